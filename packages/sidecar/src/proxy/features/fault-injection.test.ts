import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import { ExtensionTypeUrls, packTyped } from '../../xds/decode/typed-config.js';

const SVC = clusterOf('svc');
const FAULT = 'envoy.filters.http.fault';
const pct = (n: number) => ({ numerator: n, denominator: 'HUNDRED' });
const fault = (f: Record<string, unknown>) => ({ [FAULT]: packTyped(ExtensionTypeUrls.HTTPFault, f) });

describe('fault injection (envoy.filters.http.fault)', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  async function routeWith(perFilter: Record<string, unknown>, opts: { virtualHost?: Record<string, unknown>; httpFilters?: Array<Record<string, unknown>> } = {}) {
    await h.apply(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }],
        routes: [{ match: { prefix: '/' }, route: { cluster: SVC }, typed_per_filter_config: perFilter }],
        ...opts,
      }),
    );
  }

  const flagsOf = async (path: string) => {
    await h.until(() => h.seen.some((i) => i.path === path));
    return h.seen.find((i) => i.path === path)!.responseFlags;
  };

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it('aborts every request with the configured status and flag FI, never reaching the upstream', async () => {
    await routeWith(fault({ abort: { http_status: 418, percentage: pct(100) } }));
    const before = up.requests.length;
    const r = await h.request('svc', '/abort');
    expect([r.status, r.body]).toEqual([418, 'fault filter abort']);
    expect(up.requests.length).toBe(before);
    expect(await flagsOf('/abort')).toEqual(['FI']);
  });

  it('aborts about the configured share of requests', async () => {
    await routeWith(fault({ abort: { http_status: 503, percentage: pct(50) } }));
    let aborted = 0;
    const n = 400;
    for (let i = 0; i < n; i++) if ((await h.request('svc', '/half')).status === 503) aborted++;
    // Binomial(400, 0.5): σ = 10, so ±45 is a 4.5σ band.
    expect(Math.abs(aborted - 200)).toBeLessThan(45);
  });

  it('delays requests by fixed_delay with flag DI, then forwards them', async () => {
    await routeWith(fault({ delay: { fixed_delay: { nanos: 200_000_000 }, percentage: pct(100) } }));
    const t0 = Date.now();
    const r = await h.request('svc', '/delay');
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(195);
    expect(await flagsOf('/delay')).toEqual(['DI']);
  });

  it('applies a delay and an abort together (delay first)', async () => {
    await routeWith(fault({ delay: { fixed_delay: { nanos: 100_000_000 }, percentage: pct(100) }, abort: { http_status: 500, percentage: pct(100) } }));
    const t0 = Date.now();
    const r = await h.request('svc', '/both');
    expect(r.status).toBe(500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(await flagsOf('/both')).toEqual(['DI', 'FI']);
  });

  it('aborts gRPC requests with a grpc-status in a 200 response', async () => {
    await routeWith(fault({ abort: { grpc_status: 14, percentage: pct(100) } }));
    const r = await h.request('svc', '/pkg.Svc/Call', { method: 'POST', headers: { 'content-type': 'application/grpc' } });
    expect([r.status, r.headers['grpc-status'], r.headers['content-type']]).toEqual([200, '14', 'application/grpc']);
  });

  it('limits the fault to requests matching its headers', async () => {
    await routeWith(fault({ abort: { http_status: 555, percentage: pct(100) }, headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }));
    expect((await h.request('svc', '/', { headers: { 'end-user': 'jason' } })).status).toBe(555);
    expect((await h.request('svc', '/', { headers: { 'end-user': 'other' } })).status).toBe(200);
  });

  it('takes the virtual host’s fault configuration when the route has none', async () => {
    await routeWith({}, { virtualHost: { typed_per_filter_config: fault({ abort: { http_status: 429, percentage: pct(100) } }) } });
    expect((await h.request('svc', '/')).status).toBe(429);
  });

  it('does nothing when the connection manager has no fault filter', async () => {
    await routeWith(fault({ abort: { http_status: 418, percentage: pct(100) } }), { httpFilters: [{ name: 'envoy.filters.http.router', typed_config: packTyped(ExtensionTypeUrls.Router, {}) }] });
    expect((await h.request('svc', '/')).status).toBe(200);
  });

  it('NACKs header-controlled faults it cannot honour', async () => {
    await expect(routeWith(fault({ abort: { header_abort: {}, percentage: pct(100) } }))).rejects.toThrow(/header-controlled aborts are not supported/);
  });
});
