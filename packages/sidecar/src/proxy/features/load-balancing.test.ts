import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('load balancing (Cluster.lb_policy)', () => {
  const h = new SidecarHarness();
  let ups: TestUpstream[];
  let slow: TestUpstream;

  async function lb(cluster: Record<string, unknown>, upstreams: TestUpstream[] = ups) {
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: upstreams.map((u) => ['127.0.0.1', u.port] as const), cluster }] }));
  }

  async function spread(n: number, concurrency = 1): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          const server = (await h.request('svc', '/')).echo?.server ?? 'none';
          counts[server] = (counts[server] ?? 0) + 1;
        }
      }),
    );
    return counts;
  }

  beforeAll(async () => {
    ups = await Promise.all(['a', 'b', 'c'].map((n) => startTestUpstream(n)));
    slow = await startTestUpstream('slow', { delayMs: 150 });
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', ups[0]!.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([...ups, slow].map((u) => u.close()));
  });

  it('ROUND_ROBIN sends to each host in turn', async () => {
    await lb({ lb_policy: 'ROUND_ROBIN' });
    expect(await spread(30)).toEqual({ a: 10, b: 10, c: 10 });
  });

  it('RANDOM spreads uniformly within statistical tolerance', async () => {
    await lb({ lb_policy: 'RANDOM' });
    const counts = await spread(600);
    // Binomial(600, 1/3): σ ≈ 11.5, so ±55 is a 4.8σ band.
    for (const n of ['a', 'b', 'c']) expect(Math.abs((counts[n] ?? 0) - 200)).toBeLessThan(55);
  });

  it('LEAST_REQUEST prefers the host with fewer requests in flight', async () => {
    // Round robin would give 40/40. With choice_count 5 the slow host (holding requests for 150 ms)
    // is chosen only when all five random choices land on it (1/32), so the fast one gets ~97 %.
    await lb({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: { value: 5 } } }, [ups[0]!, slow]);
    const counts = await spread(80, 8);
    expect(counts['a'] ?? 0).toBeGreaterThan(64);
  });
});
