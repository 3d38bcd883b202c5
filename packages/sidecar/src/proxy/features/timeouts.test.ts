import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('route timeouts (RouteAction.timeout)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [
          { match: { prefix: '/short' }, route: { cluster: SVC, timeout: { nanos: 150_000_000 } } },
          { match: { prefix: '/none' }, route: { cluster: SVC, timeout: {} } },
          { match: { prefix: '/grpc' }, route: { cluster: SVC, timeout: { seconds: 10 }, max_grpc_timeout: {} } },
          { match: { prefix: '/' }, route: { cluster: SVC } },
        ],
      }),
      { env: { MESH_SIDECAR_ROUTE_TIMEOUT_MS: '400' } },
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('answers 504 UT when the upstream is slower than the route timeout', async () => {
    const t0 = Date.now();
    const r = await h.request('svc', '/short', { headers: { 'x-delay-ms': '1000' } });
    expect([r.status, r.body]).toEqual([504, 'upstream request timeout']);
    expect(Date.now() - t0).toBeLessThan(800);
    expect(h.stat(`cluster.${SVC}.upstream_rq_timeout`)).toBe(1);
  });

  it('uses the proxy default when the route sets no timeout, and none when it sets 0', async () => {
    expect((await h.request('svc', '/default', { headers: { 'x-delay-ms': '700' } })).status).toBe(504);
    expect((await h.request('svc', '/none', { headers: { 'x-delay-ms': '700' } })).status).toBe(200);
  });

  it('honours grpc-timeout when max_grpc_timeout is set (0 = no cap)', async () => {
    const r = await h.request('svc', '/grpc', { method: 'POST', headers: { 'grpc-timeout': '100m', 'x-delay-ms': '600', 'content-type': 'application/grpc' } });
    // A gRPC request's local reply is a gRPC status: 504 maps to UNAVAILABLE (Envoy's mapping).
    expect([r.status, r.headers['grpc-status'], r.headers['grpc-message']]).toEqual([200, '14', 'upstream%20request%20timeout']);
    await h.until(() => h.seen.some((i) => i.path === '/grpc' && i.responseFlags.includes('UT')));
    expect((await h.request('svc', '/grpc', { headers: { 'x-delay-ms': '450' } })).status).toBe(200);
  });
});
