import type { OutlierDetectionModel } from './cluster-model.js';
import { OutlierDetector } from './outlier-detector.js';

const config = (o: Partial<OutlierDetectionModel> = {}): OutlierDetectionModel => ({
  consecutive5xx: 3,
  enforcingConsecutive5xx: 100,
  consecutiveGatewayFailure: 5,
  enforcingConsecutiveGatewayFailure: 0,
  intervalMs: 1000,
  baseEjectionTimeMs: 5000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 100,
  successRate: { minimumHosts: 5, requestVolume: 100, stdevFactor: 1.9, enforcing: 100 },
  failurePercentage: { threshold: 85, minimumHosts: 5, requestVolume: 50, enforcing: 0 },
  ...o,
});

describe('OutlierDetector', () => {
  let now = 0;
  const clock = () => now;
  const fail = (d: OutlierDetector, host: string, n: number, status = 500) => {
    for (let i = 0; i < n; i++) d.report(host, { kind: 'response', status });
  };

  beforeEach(() => (now = 0));

  it('ejects after consecutive 5xx, counting local failures as 5xx, and a success resets the count', () => {
    const d = new OutlierDetector(config(), clock, () => 0);
    d.setHosts(['a', 'b']);
    fail(d, 'a', 2);
    d.report('a', { kind: 'response', status: 200 });
    fail(d, 'a', 2);
    expect(d.isEjected('a')).toBe(false);
    d.report('a', { kind: 'connect-failure' });
    expect(d.isEjected('a')).toBe(true);
    expect(d.ejectionsActive).toBe(1);
  });

  it('returns a host at the first sweep after base_ejection_time × times ejected', () => {
    const d = new OutlierDetector(config(), clock, () => 0);
    d.setHosts(['a', 'b']);
    fail(d, 'a', 3);
    now = 4999;
    expect(d.isEjected('a')).toBe(true);
    now = 5000;
    expect(d.isEjected('a')).toBe(false);
    fail(d, 'a', 3);
    now = 5000 + 9000;
    expect(d.isEjected('a')).toBe(true);
    now = 5000 + 10_000;
    expect(d.isEjected('a')).toBe(false);
  });

  it('honours enforcing percentages and max_ejection_percent (always allowing one ejection)', () => {
    const never = new OutlierDetector(config({ enforcingConsecutive5xx: 0 }), clock, () => 0.5);
    never.setHosts(['a']);
    fail(never, 'a', 3);
    expect(never.isEjected('a')).toBe(false);
    const d = new OutlierDetector(config({ maxEjectionPercent: 10 }), clock, () => 0);
    d.setHosts(['a', 'b', 'c']);
    fail(d, 'a', 3);
    fail(d, 'b', 3);
    expect([d.isEjected('a'), d.isEjected('b')]).toEqual([true, false]);
  });

  it('ejects on gateway failures (502/503/504) when enforced', () => {
    const d = new OutlierDetector(config({ consecutive5xx: 100, consecutiveGatewayFailure: 2, enforcingConsecutiveGatewayFailure: 100 }), clock, () => 0);
    d.setHosts(['a', 'b']);
    fail(d, 'a', 1, 502);
    fail(d, 'a', 1, 500);
    fail(d, 'a', 1, 504);
    expect(d.isEjected('a')).toBe(false);
    d.report('a', { kind: 'timeout' });
    expect(d.isEjected('a')).toBe(true);
  });

  it('ejects a host whose success rate is far below the others at a sweep', () => {
    const d = new OutlierDetector(config({ consecutive5xx: 1000 }), clock, () => 0);
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
    d.setHosts(hosts);
    for (const h of hosts) for (let i = 0; i < 100; i++) d.report(h, { kind: 'response', status: h === 'f' && i % 2 === 0 ? 500 : 200 });
    now = 1000;
    expect(hosts.filter((h) => d.isEjected(h))).toEqual(['f']);
  });

  it('forgets hosts that left', () => {
    const d = new OutlierDetector(config(), clock, () => 0);
    d.setHosts(['a', 'b']);
    fail(d, 'a', 3);
    d.setHosts(['b']);
    expect(d.ejectionsActive).toBe(0);
  });
});
