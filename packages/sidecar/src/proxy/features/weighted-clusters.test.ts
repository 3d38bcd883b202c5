import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const V1 = clusterOf('svc', 'v1');
const V2 = clusterOf('svc', 'v2');
const V3 = clusterOf('svc', 'v3');

describe('weighted clusters (RouteAction.weighted_clusters)', () => {
  const h = new SidecarHarness();
  let ups: TestUpstream[];

  beforeAll(async () => {
    ups = await Promise.all(['v1', 'v2', 'v3'].map((n) => startTestUpstream(n)));
    await h.start(
      featureConfig({
        clusters: [V1, V2, V3].map((name, i) => ({ name, endpoints: [['127.0.0.1', ups[i]!.port] as const] })),
        routes: [
          {
            match: { prefix: '/' },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: V1, weight: { value: 50 } },
                  { name: V2, weight: { value: 30 }, request_headers_to_add: [{ header: { key: 'x-canary', value: 'true' } }] },
                  { name: V3, weight: { value: 20 } },
                ],
              },
            },
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all(ups.map((u) => u.close()));
  });

  it('splits traffic 50/30/20 within statistical tolerance, with per-destination headers', async () => {
    const counts: Record<string, number> = { v1: 0, v2: 0, v3: 0 };
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const r = await h.request('svc', '/');
      counts[r.echo!.server]!++;
      expect(r.echo!.headers['x-canary'] === 'true').toBe(r.echo!.server === 'v2');
    }
    // σ of Binomial(1000, p) ≤ 15.8; ±75 is beyond 4.7σ for every share.
    expect(Math.abs(counts['v1']! - 500)).toBeLessThan(75);
    expect(Math.abs(counts['v2']! - 300)).toBeLessThan(75);
    expect(Math.abs(counts['v3']! - 200)).toBeLessThan(75);
  });
});
