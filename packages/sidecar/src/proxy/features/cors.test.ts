import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import { ExtensionTypeUrls, packTyped } from '../../xds/decode/typed-config.js';

const SVC = clusterOf('svc');
const CORS = 'envoy.filters.http.cors';

describe('CORS (envoy.filters.http.cors)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    const policy = packTyped(ExtensionTypeUrls.CorsPolicy, {
      allow_origin_string_match: [{ exact: 'https://shop.example.com' }, { suffix: '.trusted.example' }],
      allow_methods: 'GET,POST',
      allow_headers: 'content-type,x-user',
      expose_headers: 'x-trace',
      max_age: '600',
      allow_credentials: { value: true },
    });
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [
          { match: { prefix: '/route-policy' }, route: { cluster: SVC }, typed_per_filter_config: { [CORS]: packTyped(ExtensionTypeUrls.CorsPolicy, { allow_origin_string_match: [{ exact: 'https://other.example' }] }) } },
          { match: { prefix: '/' }, route: { cluster: SVC } },
        ],
        virtualHost: { typed_per_filter_config: { [CORS]: policy } },
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('answers a preflight from an allowed origin itself', async () => {
    const before = up.requests.length;
    const r = await h.request('svc', '/items', { method: 'OPTIONS', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example.com',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'content-type,x-user',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
    });
    expect(up.requests.length).toBe(before);
  });

  it('adds allow-origin, credentials and expose headers to an actual request’s response', async () => {
    const r = await h.request('svc', '/items', { headers: { origin: 'https://a.trusted.example' } });
    expect(r.echo?.server).toBe('up');
    expect(r.headers).toMatchObject({ 'access-control-allow-origin': 'https://a.trusted.example', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-trace' });
  });

  it('leaves requests from other origins, and without an Origin, untouched', async () => {
    const denied = await h.request('svc', '/items', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(denied.echo?.method).toBe('OPTIONS');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    expect((await h.request('svc', '/items')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('prefers the route’s policy over the virtual host’s', async () => {
    const r = await h.request('svc', '/route-policy', { headers: { origin: 'https://other.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://other.example');
    expect((await h.request('svc', '/route-policy', { headers: { origin: 'https://shop.example.com' } })).headers['access-control-allow-origin']).toBeUndefined();
  });
});
