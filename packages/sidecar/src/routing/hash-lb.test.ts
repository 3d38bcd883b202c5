import type { EndpointModel } from './cluster-model.js';
import { hash32 } from './hash.js';
import { Maglev, RingHash } from './hash-lb.js';

const hosts = (n: number): EndpointModel[] => Array.from({ length: n }, (_, i) => ({ address: `10.0.0.${i + 1}`, port: 8080 }));

describe.each([
  ['RingHash', (h: EndpointModel[]) => new RingHash(h, 1024, 8 * 1024 * 1024)],
  ['Maglev', (h: EndpointModel[]) => new Maglev(h, 65537)],
])('%s', (_name, build) => {
  it('spreads keys evenly within tolerance', () => {
    const lb = build(hosts(4));
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const e = lb.pick(hash32(`key-${i}`))!;
      counts.set(e.address, (counts.get(e.address) ?? 0) + 1);
    }
    for (const c of counts.values()) expect(Math.abs(c - 5000)).toBeLessThan(5000 * 0.25);
  });

  it('moves few keys when a host leaves', () => {
    const before = build(hosts(5));
    const after = build(hosts(4));
    let moved = 0;
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const h = hash32(`k${i}`);
      const a = before.pick(h)!;
      if (a.address !== '10.0.0.5' && a.address !== after.pick(h)!.address) moved++;
    }
    // Replicas per host grow when one leaves (the ring keeps its minimum size), so a few keys move.
    expect(moved / n).toBeLessThan(0.2);
  });

  it('is empty without hosts, and walks on for a retry', () => {
    expect(build([]).pick(1)).toBeUndefined();
    const lb = build(hosts(3));
    const seen = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => lb.pick(12345, a)!.address));
    expect(seen.size).toBeGreaterThan(1);
  });
});
