import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('path and host rewrites (prefix_rewrite, regex_rewrite, host_rewrite_literal)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [
          { match: { prefix: '/api/v1/' }, route: { cluster: SVC, prefix_rewrite: '/v1/', host_rewrite_literal: 'backend.internal' } },
          { match: { prefix: '/Old', case_sensitive: { value: false } }, route: { cluster: SVC, prefix_rewrite: '/new' } },
          { match: { path: '/exact' }, route: { cluster: SVC, prefix_rewrite: '/replaced' } },
          { match: { safe_regex: { regex: '/users/[0-9]+/profile' } }, route: { cluster: SVC, regex_rewrite: { pattern: { regex: '^/users/([0-9]+)/profile$' }, substitution: '/profiles/\\1' } } },
          { match: { prefix: '/by-header' }, route: { cluster: SVC, host_rewrite_header: 'x-target-host' } },
          { match: { prefix: '/' }, route: { cluster: SVC } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it.each([
    ['/api/v1/orders?id=3', '/v1/orders?id=3'],
    ['/OLDER/x', '/newER/x'],
    ['/exact?q=1', '/replaced?q=1'],
    ['/users/42/profile?full=1', '/profiles/42?full=1'],
    ['/untouched', '/untouched'],
  ])('forwards %s as %s', async (path, upstreamPath) => {
    const r = await h.request('svc', path);
    expect(r.echo?.url).toBe(upstreamPath);
  });

  it('rewrites the Host header to host_rewrite_literal', async () => {
    expect((await h.request('svc', '/api/v1/x')).echo?.headers['host']).toBe('backend.internal');
    expect((await h.request('svc', '/other')).echo?.headers['host']).toBe('svc');
  });

  it('rewrites the Host header from host_rewrite_header', async () => {
    expect((await h.request('svc', '/by-header', { headers: { 'x-target-host': 'elsewhere' } })).echo?.headers['host']).toBe('elsewhere');
  });

  it('reports the request by its original path', async () => {
    await h.request('svc', '/api/v1/report');
    await h.until(() => h.seen.some((i) => i.path === '/api/v1/report'));
  });
});
