import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

describe('consistent hashing (RING_HASH / MAGLEV with RouteAction.hash_policy)', () => {
  const h = new SidecarHarness();
  let ups: TestUpstream[];

  async function hashed(lbPolicy: string, hashPolicy: Array<Record<string, unknown>>) {
    await h.apply(
      featureConfig({
        clusters: [{ name: SVC, endpoints: ups.map((u) => ['127.0.0.1', u.port] as const), cluster: { lb_policy: lbPolicy } }],
        routes: [{ match: { prefix: '/' }, route: { cluster: SVC, hash_policy: hashPolicy } }],
      }),
    );
  }

  beforeAll(async () => {
    ups = await Promise.all(['a', 'b', 'c', 'd'].map((n) => startTestUpstream(n)));
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', ups[0]!.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all(ups.map((u) => u.close()));
  });

  it.each(['RING_HASH', 'MAGLEV'])('%s keeps a header value on one host and spreads different values', async (policy) => {
    await hashed(policy, [{ header: { header_name: 'x-user' } }]);
    const hosts = new Set<string>();
    for (let u = 0; u < 40; u++) {
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) seen.add((await h.request('svc', '/', { headers: { 'x-user': `user-${u}` } })).echo!.server);
      expect(seen.size).toBe(1);
      hosts.add([...seen][0]!);
    }
    expect(hosts.size).toBeGreaterThanOrEqual(3);
  });

  it('generates a cookie with the configured ttl when it is missing, and sticks to a host by it', async () => {
    await hashed('RING_HASH', [{ cookie: { name: 'session', ttl: { seconds: 60 }, path: '/' } }]);
    const first = await h.request('svc', '/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^session="[0-9a-f]{16}"; Max-Age=60; Path=\/; HttpOnly$/);
    const cookie = setCookie.split(';')[0]!;
    const servers = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await h.request('svc', '/', { headers: { cookie } });
      expect(r.headers['set-cookie']).toBeUndefined();
      servers.add(r.echo!.server);
    }
    expect(servers.size).toBe(1);
  });

  it('hashes on the source IP', async () => {
    await hashed('MAGLEV', [{ connection_properties: { source_ip: true } }]);
    const servers = new Set<string>();
    for (let i = 0; i < 12; i++) servers.add((await h.request('svc', '/')).echo!.server);
    expect(servers.size).toBe(1);
  });

  it('picks at random when the request yields no hash', async () => {
    await hashed('RING_HASH', [{ header: { header_name: 'x-absent' } }]);
    const servers = new Set<string>();
    for (let i = 0; i < 40; i++) servers.add((await h.request('svc', '/')).echo!.server);
    expect(servers.size).toBeGreaterThanOrEqual(3);
  });
});
