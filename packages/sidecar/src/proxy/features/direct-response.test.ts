import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('direct responses (Route.direct_response)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [
          { match: { path: '/health' }, direct_response: { status: 200, body: { inline_string: 'ok' } }, response_headers_to_add: [{ header: { key: 'cache-control', value: 'no-store' } }] },
          { match: { prefix: '/gone' }, direct_response: { status: 410 } },
          { match: { prefix: '/' }, route: { cluster: SVC } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('answers with the configured status, body and response headers without calling the upstream', async () => {
    const before = up.requests.length;
    const r = await h.request('svc', '/health');
    expect([r.status, r.body, r.headers['content-type'], r.headers['cache-control']]).toEqual([200, 'ok', 'text/plain', 'no-store']);
    const gone = await h.request('svc', '/gone/x');
    expect([gone.status, gone.body, gone.headers['content-length']]).toEqual([410, '', '0']);
    expect(up.requests.length).toBe(before);
  });

  it('NACKs a body read from a file', async () => {
    await expect(
      h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { filename: '/etc/hostname' } } }] })),
    ).rejects.toThrow(/only inline_string and inline_bytes bodies/);
  });
});
