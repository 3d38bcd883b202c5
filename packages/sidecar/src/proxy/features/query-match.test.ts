import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const A = clusterOf('svc', 'a');
const B = clusterOf('svc', 'b');
const GRPC = clusterOf('svc', 'grpc');

describe('query parameter and gRPC matching (RouteMatch.query_parameters, grpc)', () => {
  const h = new SidecarHarness();
  let a: TestUpstream;
  let b: TestUpstream;
  let g: TestUpstream;

  beforeAll(async () => {
    [a, b, g] = await Promise.all([startTestUpstream('a'), startTestUpstream('b'), startTestUpstream('grpc')]);
    await h.start(
      featureConfig({
        clusters: [
          { name: A, endpoints: [['127.0.0.1', a.port]] },
          { name: B, endpoints: [['127.0.0.1', b.port]] },
          { name: GRPC, endpoints: [['127.0.0.1', g.port]] },
        ],
        routes: [
          { match: { prefix: '/', grpc: {} }, route: { cluster: GRPC } },
          { match: { prefix: '/', query_parameters: [{ name: 'version', string_match: { exact: 'b' } }] }, route: { cluster: B } },
          { match: { prefix: '/', query_parameters: [{ name: 'user', string_match: { safe_regex: { regex: 'j.*n' } } }, { name: 'debug', present_match: true }] }, route: { cluster: B } },
          { match: { prefix: '/' }, route: { cluster: A } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([a, b, g].map((u) => u.close()));
  });

  it.each([
    ['/items?version=b', 'b'],
    ['/items?x=1&version=b', 'b'],
    ['/items?version=bb', 'a'],
    ['/items?user=jason&debug', 'b'],
    ['/items?user=j%61son&debug=1', 'b'],
    ['/items?user=jason', 'a'],
    ['/items', 'a'],
  ])('routes %s to %s', async (path, server) => {
    expect((await h.request('svc', path)).echo?.server).toBe(server);
  });

  it('routes requests with a gRPC content type by the grpc match', async () => {
    expect((await h.request('svc', '/pkg.S/M', { method: 'POST', headers: { 'content-type': 'application/grpc+proto' } })).echo?.server).toBe('grpc');
  });
});
