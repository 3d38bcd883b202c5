import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import { freePort } from '@mesh/runtime/testing';

const SVC = clusterOf('svc');
const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts' }];

describe('retries (RouteAction.retry_policy)', () => {
  const h = new SidecarHarness();
  let a: TestUpstream;
  let b: TestUpstream;
  let dead: number;
  let key = 0;
  const fresh = () => `k${++key}`;

  /** Routes `/` with the given retry policy (and route fields) to a cluster of the given endpoints. */
  async function policy(retry: Record<string, unknown>, opts: { endpoints?: Array<readonly [string, number]>; route?: Record<string, unknown>; cluster?: Record<string, unknown> } = {}) {
    await h.apply(
      featureConfig({
        clusters: [{ name: SVC, endpoints: opts.endpoints ?? [['127.0.0.1', a.port]], ...(opts.cluster ? { cluster: opts.cluster } : {}) }],
        routes: [{ match: { prefix: '/' }, route: { cluster: SVC, retry_policy: retry, ...opts.route } }],
      }),
    );
  }

  beforeAll(async () => {
    [a, b, dead] = await Promise.all([startTestUpstream('a'), startTestUpstream('b'), freePort()]);
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', a.port]] }] }));
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([a.close(), b.close()]);
  });

  it('retries 5xx responses up to num_retries and returns the first success', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 2 } });
    const k = fresh();
    const before = a.requests.length;
    const r = await h.request('svc', '/x', { headers: { 'x-test-key': k, 'x-fail-first': '2' } });
    expect(r.status).toBe(200);
    expect(a.requests.length - before).toBe(3);
    expect(h.stat(`cluster.${SVC}.upstream_rq_retry`)).toBeGreaterThanOrEqual(2);
  });

  it('returns the last upstream response with flag URX when retries run out', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 2 } });
    const r = await h.request('svc', '/urx', { headers: { 'x-test-key': fresh(), 'x-fail-first': '9' } });
    expect(r.status).toBe(503);
    expect(r.echo?.server).toBe('a');
    await h.until(() => h.seen.some((i) => i.path === '/urx'));
    expect(h.seen.find((i) => i.path === '/urx')!.responseFlags).toContain('URX');
  });

  it.each([
    ['gateway-error', 502, true],
    ['gateway-error', 500, false],
    ['retriable-4xx', 409, true],
    ['retriable-4xx', 404, false],
    ['5xx', 500, true],
  ])('retry_on %s and a %i: retried = %s', async (on, status, retried) => {
    await policy({ retry_on: on, num_retries: { value: 1 } });
    const r = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-status': String(status) } });
    expect(r.status).toBe(retried ? 200 : status);
  });

  it('retries the listed retriable_status_codes', async () => {
    await policy({ retry_on: 'retriable-status-codes', num_retries: { value: 1 }, retriable_status_codes: [418] });
    expect((await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-status': '418' } })).status).toBe(200);
    expect((await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-status': '503' } })).status).toBe(503);
  });

  it('retries gRPC statuses named in retry_on (Istio’s default policy)', async () => {
    await policy({ retry_on: 'connect-failure,refused-stream,unavailable,cancelled,resource-exhausted,retriable-status-codes', num_retries: { value: 2 }, retriable_status_codes: [503] });
    const r = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-mode': 'grpc', 'x-fail-grpc': '14' } });
    expect([r.status, r.headers['grpc-status']]).toEqual([200, undefined]);
    const internal = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-mode': 'grpc', 'x-fail-grpc': '13' } });
    expect(internal.headers['grpc-status']).toBe('13');
  });

  it('retries a reset with retry_on reset, replaying the request body; without retries it is 503 UC', async () => {
    await policy({ retry_on: 'reset', num_retries: { value: 1 } });
    const before = a.requests.length;
    const r = await h.request('svc', '/', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain', 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-mode': 'reset' } });
    expect(r.status).toBe(200);
    expect(r.echo?.body).toBe('payload');
    expect(a.requests.slice(before).map((q) => q.body)).toEqual(['payload', 'payload']);
    await policy({ retry_on: '', num_retries: { value: 0 } });
    const u = await h.request('svc', '/', { headers: { 'x-reset': '1' } });
    expect([u.status, u.body]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination']);
  });

  it('retries a connect failure on another host with previous_hosts', async () => {
    await policy({ retry_on: 'connect-failure', num_retries: { value: 2 }, retry_host_predicate: PREVIOUS_HOSTS, host_selection_retry_max_attempts: '5' }, { endpoints: [['127.0.0.1', dead], ['127.0.0.1', b.port]] });
    for (let i = 0; i < 6; i++) expect((await h.request('svc', '/cf')).echo?.server).toBe('b');
  });

  it('answers 503 UF with URX when every attempt fails to connect', async () => {
    await policy({ retry_on: 'connect-failure', num_retries: { value: 1 } }, { endpoints: [['127.0.0.1', dead]] });
    const r = await h.request('svc', '/dead');
    expect(r.status).toBe(503);
    await h.until(() => h.seen.some((i) => i.path === '/dead'));
    expect(h.seen.find((i) => i.path === '/dead')!.responseFlags).toEqual(expect.arrayContaining(['UF', 'URX']));
  });

  it('times out a slow try after per_try_timeout and retries it', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 1 }, per_try_timeout: { nanos: 150_000_000 } });
    const t0 = Date.now();
    const r = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1', 'x-fail-mode': 'slow', 'x-fail-delay-ms': '2000' } });
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(h.stat(`cluster.${SVC}.upstream_rq_per_try_timeout`)).toBeGreaterThanOrEqual(1);
  });

  it('answers 504 UT when the route timeout passes during retries', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 5 }, per_try_timeout: { nanos: 100_000_000 } }, { route: { timeout: { nanos: 250_000_000 } } });
    const t0 = Date.now();
    const r = await h.request('svc', '/rt', { headers: { 'x-delay-ms': '2000' } });
    const took = Date.now() - t0;
    expect([r.status, r.body]).toEqual([504, 'upstream request timeout']);
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(1000);
  });

  it('waits a jittered exponential back-off between tries, bounded by max_interval', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 3 }, retry_back_off: { base_interval: { nanos: 40_000_000 }, max_interval: { nanos: 60_000_000 } } });
    const t0 = Date.now();
    const r = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '3' } });
    const took = Date.now() - t0;
    expect(r.status).toBe(200);
    // Three back-offs, each uniform in [0, min((2^n − 1) × 40, 60)) ms: at most 40 + 60 + 60.
    expect(took).toBeLessThan(160 + 400);
  });

  it('does not retry beyond the cluster’s max_retries (flag UO)', async () => {
    await policy({ retry_on: '5xx', num_retries: { value: 3 } }, { cluster: { circuit_breakers: { thresholds: [{ max_retries: { value: 0 } }] } } });
    const r = await h.request('svc', '/uo', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1' } });
    expect(r.status).toBe(503);
    await h.until(() => h.seen.some((i) => i.path === '/uo'));
    expect(h.seen.find((i) => i.path === '/uo')!.responseFlags).toContain('UO');
    expect(h.stat(`cluster.${SVC}.upstream_rq_retry_overflow`)).toBeGreaterThanOrEqual(1);
  });

  it('uses the virtual host’s retry policy when the route has none', async () => {
    await h.apply(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', a.port]] }],
        virtualHost: { retry_policy: { retry_on: '5xx', num_retries: { value: 1 } }, include_request_attempt_count: true, include_attempt_count_in_response: true },
      }),
    );
    const r = await h.request('svc', '/', { headers: { 'x-test-key': fresh(), 'x-fail-first': '1' } });
    expect(r.status).toBe(200);
    expect(r.echo?.headers['x-envoy-attempt-count']).toBe('2');
    expect(r.headers['x-envoy-attempt-count']).toBe('2');
  });

  it('NACKs a retry condition it does not know', async () => {
    await expect(policy({ retry_on: '5xx,sometimes' })).rejects.toThrow(/retry condition sometimes is not known/);
  });
});
