import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');
const V2 = clusterOf('svc', 'v2');
const add = (key: string, value: string, extra: Record<string, unknown> = {}) => ({ header: { key, value }, ...extra });

describe('header mutations (request/response_headers_to_add/remove)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [
          { name: SVC, endpoints: [['127.0.0.1', up.port]] },
          { name: V2, endpoints: [['127.0.0.1', up.port]] },
        ],
        routes: [
          {
            match: { prefix: '/weighted' },
            route: { weighted_clusters: { clusters: [{ name: V2, weight: { value: 100 }, request_headers_to_add: [add('x-subset', 'v2')], response_headers_to_add: [add('x-served-by', 'v2')] }] } },
          },
          {
            match: { prefix: '/' },
            route: { cluster: SVC },
            request_headers_to_add: [add('x-route', 'r', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }), add('x-client', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'), add('x-percent', '100%%')],
            request_headers_to_remove: ['x-secret'],
            response_headers_to_add: [add('x-level', 'route')],
            response_headers_to_remove: ['x-upstream'],
          },
        ],
        virtualHost: {
          request_headers_to_add: [add('x-vh', 'vh'), add('x-route', 'from-vh', { append_action: 'ADD_IF_ABSENT' })],
          response_headers_to_add: [add('x-level', 'vh', { append: { value: false } })],
        },
        routeConfig: { request_headers_to_add: [add('x-rc', 'rc')], response_headers_to_add: [add('x-rc-resp', 'yes')] },
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('adds and removes request headers at route, virtual host and route configuration level', async () => {
    const r = await h.request('svc', '/', { headers: { 'x-secret': 'token', 'x-route': 'client' } });
    const got = r.echo!.headers;
    expect(got).toMatchObject({ 'x-route': 'r', 'x-vh': 'vh', 'x-rc': 'rc', 'x-client': '127.0.0.1', 'x-percent': '100%' });
    expect(got['x-secret']).toBeUndefined();
  });

  it('mutates response headers; the outer level overwrites the inner one', async () => {
    const r = await h.request('svc', '/');
    expect(r.headers['x-level']).toBe('vh');
    expect(r.headers['x-rc-resp']).toBe('yes');
    expect(r.headers['x-upstream']).toBeUndefined();
  });

  it('applies a weighted cluster’s own header mutations', async () => {
    const r = await h.request('svc', '/weighted');
    expect(r.echo!.headers['x-subset']).toBe('v2');
    expect(r.headers['x-served-by']).toBe('v2');
  });

  it('applies response mutations to the router’s local replies too', async () => {
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [] }], routes: [{ match: { prefix: '/' }, route: { cluster: SVC }, response_headers_to_add: [add('x-local', 'yes')] }] }));
    const r = await h.request('svc', '/');
    expect([r.status, r.headers['x-local']]).toEqual([503, 'yes']);
  });

  it.each([
    ['an unknown substitution', '%NOT_A_COMMAND%', /%NOT_A_COMMAND% is not supported/],
    ['an unescaped percent', '50%', /un-escaped %/],
  ])('NACKs a header value with %s', async (_what, value, message) => {
    await expect(h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [] }], routes: [{ match: { prefix: '/' }, route: { cluster: SVC }, request_headers_to_add: [add('x', value)] }] }))).rejects.toThrow(message);
  });
});
