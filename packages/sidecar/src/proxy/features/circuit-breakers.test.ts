import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestReply, TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import { ExtensionTypeUrls, packTyped } from '../../xds/decode/typed-config.js';

const SVC = clusterOf('svc');
const OVERFLOW = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

describe('circuit breakers and connection pool settings (Cluster.circuit_breakers, common_http_protocol_options)', () => {
  const h = new SidecarHarness();
  let slow: TestUpstream;
  let fast: TestUpstream;

  async function limits(thresholds: Record<string, unknown>, upstream: TestUpstream = slow, extra: Record<string, unknown> = {}) {
    await h.apply(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', upstream.port]], cluster: { circuit_breakers: { thresholds: [thresholds] }, ...extra } }] }));
  }

  const burst = (n: number, path: string): Promise<TestReply[]> => Promise.all(Array.from({ length: n }, () => h.request('svc', path)));

  beforeAll(async () => {
    [slow, fast] = await Promise.all([startTestUpstream('slow', { delayMs: 250 }), startTestUpstream('fast')]);
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', fast.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([slow.close(), fast.close()]);
  });

  it('queues up to max_pending_requests behind max_connections and overflows the rest with 503 UO', async () => {
    await limits({ max_connections: { value: 1 }, max_pending_requests: { value: 1 } });
    const before = h.stat(`cluster.${SVC}.upstream_rq_pending_overflow`);
    slow.inFlight.max = 0;
    const replies = await burst(5, '/cb1');
    const ok = replies.filter((r) => r.status === 200);
    const overflow = replies.filter((r) => r.status === 503);
    expect([ok.length, overflow.length]).toEqual([2, 3]);
    expect(overflow.every((r) => r.body === OVERFLOW)).toBe(true);
    expect(slow.inFlight.max).toBe(1);
    expect(h.stat(`cluster.${SVC}.upstream_rq_pending_overflow`) - before).toBe(3);
    await h.until(() => h.seen.filter((i) => i.path === '/cb1').length === 5);
    expect(h.seen.filter((i) => i.path === '/cb1' && i.responseFlags.includes('UO'))).toHaveLength(3);
  });

  it('overflows requests past max_requests', async () => {
    await limits({ max_requests: { value: 2 } });
    const replies = await burst(4, '/cb2');
    expect(replies.filter((r) => r.status === 503)).toHaveLength(2);
    expect((await h.request('svc', '/after')).status).toBe(200);
  });

  it('closes a connection after max_requests_per_connection requests', async () => {
    await limits({}, fast, { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packTyped(ExtensionTypeUrls.HttpProtocolOptions, { common_http_protocol_options: { max_requests_per_connection: { value: 1 } }, explicit_http_config: { http_protocol_options: {} } }) } });
    const before = fast.requests.length;
    for (let i = 0; i < 4; i++) await h.request('svc', '/per-conn');
    const ports = new Set(fast.requests.slice(before).map((r) => r.remotePort));
    expect(ports.size).toBe(4);
  });

  it('reuses kept-alive connections by default', async () => {
    await limits({}, fast);
    const before = fast.requests.length;
    for (let i = 0; i < 4; i++) await h.request('svc', '/keep');
    expect(new Set(fast.requests.slice(before).map((r) => r.remotePort)).size).toBe(1);
  });

  it('closes idle connections after the idle_timeout', async () => {
    await limits({}, fast, { common_http_protocol_options: { idle_timeout: { nanos: 100_000_000 } } });
    await h.request('svc', '/idle');
    const first = fast.requests[fast.requests.length - 1]!.remotePort;
    await new Promise((r) => setTimeout(r, 400));
    await h.request('svc', '/idle');
    expect(fast.requests[fast.requests.length - 1]!.remotePort).not.toBe(first);
  });
});
