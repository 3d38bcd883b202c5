import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('redirects (Route.redirect)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [
          { match: { prefix: '/secure' }, redirect: { https_redirect: true } },
          { match: { prefix: '/moved' }, redirect: { host_redirect: 'new.example.com', path_redirect: '/landing', response_code: 'FOUND' } },
          { match: { prefix: '/old/' }, redirect: { prefix_rewrite: '/new/', response_code: 'PERMANENT_REDIRECT' } },
          { match: { prefix: '/port' }, redirect: { port_redirect: 8443, scheme_redirect: 'https', strip_query: true, response_code: 'TEMPORARY_REDIRECT' } },
          { match: { prefix: '/q' }, redirect: { path_redirect: '/with?own=query', response_code: 'SEE_OTHER' } },
        ],
        virtualHost: { response_headers_to_add: [{ header: { key: 'x-vh', value: 'yes' } }] },
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it.each([
    ['svc', '/secure/page?a=1', 301, 'https://svc/secure/page?a=1'],
    ['svc:80', '/secure', 301, 'https://svc/secure'],
    ['svc', '/moved/x?keep=1', 302, 'http://new.example.com/landing?keep=1'],
    ['svc', '/old/thing', 308, 'http://svc/new/thing'],
    ['svc:80', '/port?drop=1', 307, 'https://svc:8443/port'],
    ['svc', '/q?mine=1', 303, 'http://svc/with?own=query'],
  ])('redirects %s%s with %i to %s', async (host, path, status, location) => {
    const before = up.requests.length;
    const r = await h.request(host, path);
    expect([r.status, r.headers['location'], r.body]).toEqual([status, location, '']);
    expect(r.headers['x-vh']).toBe('yes');
    expect(up.requests.length).toBe(before);
  });
});
