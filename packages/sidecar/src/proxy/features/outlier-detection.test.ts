import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');
const ms = (n: number) => ({ seconds: Math.floor(n / 1000), nanos: (n % 1000) * 1_000_000 });

describe('outlier detection (Cluster.outlier_detection)', () => {
  const h = new SidecarHarness();
  let good: TestUpstream[];
  let bad: TestUpstream;
  let bad2: TestUpstream;

  async function detect(outlier: Record<string, unknown>, upstreams: TestUpstream[], extra: Record<string, unknown> = {}) {
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: upstreams.map((u) => ['127.0.0.1', u.port] as const), cluster: { outlier_detection: outlier, ...extra } }] }));
  }

  async function statuses(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await h.request('svc', '/')).status);
    return out;
  }

  beforeAll(async () => {
    good = await Promise.all(['g1', 'g2'].map((n) => startTestUpstream(n)));
    [bad, bad2] = await Promise.all([startTestUpstream('bad', { mode: 'fail' }), startTestUpstream('bad2', { status: 502 })]);
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', good[0]!.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([...good, bad, bad2].map((u) => u.close()));
  });

  it('ejects a host after consecutive_5xx errors, then returns it after base_ejection_time', async () => {
    await detect({ consecutive_5xx: { value: 3 }, interval: ms(100), base_ejection_time: ms(600), max_ejection_percent: { value: 50 } }, [good[0]!, good[1]!, bad]);
    const first = await statuses(30);
    expect(first.filter((s) => s === 503)).toHaveLength(3);
    expect(first.slice(-15).every((s) => s === 200)).toBe(true);
    expect(h.stat(`cluster.${SVC}.outlier_detection.ejections_enforced_consecutive_5xx`)).toBe(1);
    const before = bad.requests.length;
    await new Promise((r) => setTimeout(r, 900));
    await statuses(9);
    expect(bad.requests.length).toBeGreaterThan(before);
  });

  it('ejects on consecutive gateway failures only when enforcing_consecutive_gateway_failure is set', async () => {
    await detect({ consecutive_gateway_failure: { value: 2 }, consecutive_5xx: { value: 1000 }, enforcing_consecutive_gateway_failure: { value: 100 }, interval: ms(5000), base_ejection_time: ms(30_000), max_ejection_percent: { value: 100 } }, [good[0]!, bad2]);
    const s = await statuses(20);
    expect(s.filter((x) => x === 502)).toHaveLength(2);
    await detect({ consecutive_gateway_failure: { value: 2 }, consecutive_5xx: { value: 1000 }, interval: ms(5000) }, [good[1]!, bad2]);
    expect((await statuses(20)).filter((x) => x === 502)).toHaveLength(10);
  });

  it('ejects no more than max_ejection_percent of the hosts', async () => {
    await detect({ consecutive_5xx: { value: 1 }, interval: ms(5000), base_ejection_time: ms(30_000), max_ejection_percent: { value: 40 } }, [good[0]!, bad, bad2]);
    const s = await statuses(30);
    // One failing host is ejected (33 %); the second would make 67 % and stays in rotation,
    // so the last requests alternate between the good host and the 502 one.
    expect(s.slice(-12).filter((x) => x === 502)).toHaveLength(6);
    expect(s.slice(-12).filter((x) => x === 503)).toHaveLength(0);
  });

  it('balances over every host when fewer than the panic threshold are healthy, or answers UH when it is 0', async () => {
    await detect({ consecutive_5xx: { value: 1 }, interval: ms(5000), base_ejection_time: ms(30_000), max_ejection_percent: { value: 100 } }, [bad]);
    expect(await statuses(3)).toEqual([503, 503, 503]);
    expect(bad.requests.length).toBeGreaterThan(0);
    await detect({ consecutive_5xx: { value: 1 }, interval: ms(5000), base_ejection_time: ms(30_000), max_ejection_percent: { value: 100 } }, [bad2], { common_lb_config: { healthy_panic_threshold: { value: 0 } } });
    const r1 = await h.request('svc', '/');
    const r2 = await h.request('svc', '/');
    expect([r1.status, r2.status, r2.body]).toEqual([502, 503, 'no healthy upstream']);
  });
});
