import { freePort } from '@mesh/runtime/testing';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');
const MIRROR = clusterOf('mirror');

describe('request mirroring (RouteAction.request_mirror_policies)', () => {
  const h = new SidecarHarness();
  let primary: TestUpstream;
  let mirror: TestUpstream;
  let slowMirror: TestUpstream;
  let dead: number;

  async function mirrorTo(endpoints: Array<readonly [string, number]>, fraction?: number) {
    const policy = { cluster: MIRROR, ...(fraction === undefined ? {} : { runtime_fraction: { default_value: { numerator: fraction, denominator: 'HUNDRED' } } }) };
    await h.apply(
      featureConfig({
        clusters: [
          { name: SVC, endpoints: [['127.0.0.1', primary.port]] },
          { name: MIRROR, endpoints },
        ],
        routes: [{ match: { prefix: '/' }, route: { cluster: SVC, request_mirror_policies: [policy] } }],
      }),
    );
  }

  beforeAll(async () => {
    [primary, mirror, slowMirror, dead] = await Promise.all([startTestUpstream('primary'), startTestUpstream('mirror'), startTestUpstream('slow-mirror', { delayMs: 3000 }), freePort()]);
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', primary.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([primary, mirror, slowMirror].map((u) => u.close()));
  });

  it('sends a copy, body included, to the mirror cluster with the host suffixed -shadow', async () => {
    await mirrorTo([['127.0.0.1', mirror.port]]);
    const r = await h.request('svc:80', '/orders?id=1', { method: 'POST', body: 'order-body', headers: { 'content-type': 'text/plain' } });
    expect(r.echo?.server).toBe('primary');
    await h.until(() => mirror.requests.some((q) => q.url === '/orders?id=1'));
    const copy = mirror.requests.find((q) => q.url === '/orders?id=1')!;
    expect(copy).toMatchObject({ method: 'POST', body: 'order-body', headers: { host: 'svc-shadow:80' } });
    expect(copy.headers['x-request-id']).toBe(r.echo?.headers['x-request-id']);
  });

  it('never slows the primary: a mirror that takes seconds does not delay the response', async () => {
    await mirrorTo([['127.0.0.1', slowMirror.port]]);
    const t0 = Date.now();
    const r = await h.request('svc', '/fast');
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(500);
    await h.until(() => slowMirror.requests.some((q) => q.url === '/fast'), 5000);
  });

  it('never fails the primary: an unreachable mirror is only counted', async () => {
    await mirrorTo([['127.0.0.1', dead]]);
    expect((await h.request('svc', '/dead-mirror')).status).toBe(200);
    await h.until(() => h.stat(`cluster.${MIRROR}.upstream_rq_shadow_failed`) > 0);
  });

  it('mirrors about runtime_fraction of the requests', async () => {
    await mirrorTo([['127.0.0.1', mirror.port]], 25);
    const before = mirror.requests.length;
    for (let i = 0; i < 400; i++) await h.request('svc', '/sampled');
    await new Promise((r) => setTimeout(r, 200));
    const mirrored = mirror.requests.length - before;
    // Binomial(400, 0.25): σ ≈ 8.7, so ±40 is a 4.6σ band.
    expect(Math.abs(mirrored - 100)).toBeLessThan(40);
  });
});
