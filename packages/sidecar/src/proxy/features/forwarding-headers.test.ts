import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('hop-by-hop headers, x-forwarded-for and x-request-id', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('drops hop-by-hop headers and those the Connection header names, keeping TE: trailers', async () => {
    const r = await h.request('svc', '/', { headers: { connection: 'keep-alive, x-private', 'x-private': 'secret', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic x', 'proxy-connection': 'keep-alive', te: 'trailers, deflate', 'x-end-to-end': 'kept' } });
    const got = r.echo!.headers;
    expect(got['x-private']).toBeUndefined();
    expect(got['keep-alive']).toBeUndefined();
    expect(got['proxy-authorization']).toBeUndefined();
    expect(got['proxy-connection']).toBeUndefined();
    expect(got['te']).toBe('trailers');
    expect(got['x-end-to-end']).toBe('kept');
  });

  it('generates x-request-id when absent and keeps the caller’s', async () => {
    expect((await h.request('svc', '/')).echo!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await h.request('svc', '/', { headers: { 'x-request-id': 'trace-me' } })).echo!.headers['x-request-id']).toBe('trace-me');
  });

  it('leaves x-forwarded-for alone on a sidecar hop and appends the peer with use_remote_address', async () => {
    expect((await h.request('svc', '/', { headers: { 'x-forwarded-for': '10.9.8.7' } })).echo!.headers['x-forwarded-for']).toBe('10.9.8.7');
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }], hcm: { use_remote_address: { value: true } } }));
    expect((await h.request('svc', '/', { headers: { 'x-forwarded-for': '10.9.8.7' } })).echo!.headers['x-forwarded-for']).toBe('10.9.8.7, 127.0.0.1');
    expect((await h.request('svc', '/')).echo!.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' });
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }], hcm: { use_remote_address: { value: true }, skip_xff_append: true } }));
    expect((await h.request('svc', '/')).echo!.headers['x-forwarded-for']).toBeUndefined();
  });
});
