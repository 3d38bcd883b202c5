import { colours } from './output.js';
import { formatTop, parsePrometheus, quantile, serviceOfCluster, topRows, trafficDelta, trafficSnapshot } from './top.js';

const exposition = (ok: number, failed: number, buckets: Array<[string, number]>) => `# HELP mesh_sidecar_requests_total requests handled by the sidecar proxy
# TYPE mesh_sidecar_requests_total counter
mesh_sidecar_requests_total{direction="inbound",cluster="inbound|80||shipping-service.default.svc.cluster.local",status="200",flags="-"} ${ok}
mesh_sidecar_requests_total{direction="inbound",cluster="inbound|80||shipping-service.default.svc.cluster.local",status="503",flags="UF"} ${failed}
mesh_sidecar_requests_total{direction="outbound",cluster="outbound|80|v1|shipping-service.default.svc.cluster.local",status="200",flags="-"} 999
${buckets.map(([le, n]) => `mesh_sidecar_request_duration_ms_bucket{direction="inbound",cluster="inbound|80||shipping-service.default.svc.cluster.local",le="${le}"} ${n}`).join('\n')}
mesh_sidecar_request_duration_ms_sum{direction="inbound",cluster="inbound|80||shipping-service.default.svc.cluster.local"} 100
`;

describe('top', () => {
  it('parses the Prometheus text format, labels with escapes included', () => {
    expect(parsePrometheus('# c\nm{a="x\\"y",b="2"} 3.5\nother 1\n', new Set(['m']))).toEqual([{ name: 'm', labels: { a: 'x"y', b: '2' }, value: 3.5 }]);
  });

  it('names the service of a cluster', () => {
    expect(serviceOfCluster('inbound|80||shipping-service.default.svc.cluster.local')).toBe('shipping-service.default');
    expect(serviceOfCluster('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')).toBe('reviews.bookinfo');
  });

  it('counts inbound requests once per service, 5xx as errors, summed over sidecars', () => {
    const snap = trafficSnapshot([exposition(90, 10, [['10', 50], ['+Inf', 100]]), exposition(10, 0, [['10', 10], ['+Inf', 10]])]);
    const t = snap.get('shipping-service.default')!;
    expect([t.requests, t.errors]).toEqual([110, 10]);
    expect(t.buckets.get(10)).toBe(60);
    expect(snap.size).toBe(1);
  });

  it('computes rates, error ratios and latency quantiles over a window', () => {
    const before = trafficSnapshot([exposition(100, 0, [['5', 50], ['10', 100], ['50', 100], ['+Inf', 100]])]);
    const after = trafficSnapshot([exposition(180, 20, [['5', 50], ['10', 150], ['50', 200], ['+Inf', 200]])]);
    const [row] = topRows(trafficDelta(before, after), 10);
    expect(row).toMatchObject({ service: 'shipping-service.default', requests: 100, rps: 10, errorRate: 0.2 });
    expect(row!.p50Ms).toBeCloseTo(10); // 50 of 100 in (5, 10]
    expect(row!.p90Ms).toBeCloseTo(42); // in (10, 50]: 10 + 40 * 40/50
  });

  it('takes a restarted sidecar\'s counters whole instead of going negative', () => {
    const before = trafficSnapshot([exposition(500, 0, [['+Inf', 500]])]);
    const after = trafficSnapshot([exposition(7, 0, [['+Inf', 7]])]);
    expect(trafficDelta(before, after).get('shipping-service.default')!.requests).toBe(7);
  });

  it.each([
    [0.5, [[1, 0], [2, 4], [Infinity, 4]], 1.5],
    [0.99, [[1, 1], [Infinity, 100]], 1],
    [0.5, [[1, 0]], undefined],
  ] as Array<[number, Array<[number, number]>, number | undefined]>)('quantile(%s) of %j is %s', (q, buckets, expected) => {
    expect(quantile(q, new Map(buckets))).toBe(expected);
  });

  it('renders a table, errors in red only on a terminal', () => {
    const rows = [{ service: 'a.default', requests: 10, rps: 1, errorRate: 0.1, p50Ms: 4.25, p90Ms: 12.4, p99Ms: undefined }];
    const plain = formatTop(rows, colours(false, {}));
    expect(plain).toBe('SERVICE     REQUESTS   RPS   ERRORS   P50     P90    P99\na.default   10         1.0   10.0%    4.3ms   12ms   -\n');
    expect(formatTop(rows, colours(true, {}))).toContain('\u001b[31m10.0%\u001b[39m');
    expect(formatTop(rows, colours(true, { NO_COLOR: '1' }))).toBe(plain);
  });
});
