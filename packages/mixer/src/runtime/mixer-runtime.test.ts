import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AttrDuration } from '@mesh/shared-api';
import type { AttributeMap, AttrValue, ConfigResource } from '@mesh/shared-api';
import { silentLogger } from '@mesh/runtime/testing';
import { REPORT_SLICE } from './dispatcher.js';
import { MixerRuntime } from './mixer-runtime.js';

const CORPUS = '/work/shared/conformance/istio';

function corpus(...files: string[]): ConfigResource[] {
  return files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(CORPUS, f), 'utf8'))
      .map((d) => d.toJSON() as ConfigResource | null)
      .filter((r): r is ConfigResource => r !== null && typeof r === 'object' && 'kind' in r)
      .map((r) => ({ ...r, metadata: { namespace: 'default', ...r.metadata } })),
  );
}

function bag(entries: Record<string, AttrValue>): AttributeMap {
  return new Map(Object.entries(entries));
}

const DEFAULTS = { validDurationMs: 60_000, validUseCount: 10_000 };

function runtime(): MixerRuntime {
  return new MixerRuntime({ logger: silentLogger(), adapterPath: [], defaultNamespace: 'istio-system', adapterSettings: {} });
}

const request = (src: Record<string, string>, dst: Record<string, string>, extra: Record<string, AttrValue> = {}): AttributeMap =>
  bag({ 'source.labels': src, 'destination.labels': dst, 'destination.namespace': 'default', ...extra });

describe('MixerRuntime with the Bookinfo policy configs', () => {
  const rt = runtime();
  afterAll(() => rt.close());

  it('denies reviews v3 → ratings with the denier (deny-label) and allows other callers', async () => {
    await rt.apply(corpus('bookinfo-policy-mixer-rule-deny-label.yaml'));
    const denied = await rt.dispatcher.check(request({ app: 'reviews', version: 'v3' }, { app: 'ratings' }), new Map(), '', DEFAULTS);
    expect(denied.status).toEqual({ code: 7, message: expect.stringContaining('Not allowed') });
    expect(denied.referenced).toEqual(expect.arrayContaining([{ name: 'destination.labels', mapKey: 'app' }, { name: 'source.labels', mapKey: 'version' }]));
    expect(denied.validDurationMs).toBe(5000);
    const allowed = await rt.dispatcher.check(request({ app: 'reviews', version: 'v2' }, { app: 'ratings' }), new Map(), '', DEFAULTS);
    expect(allowed.status.code).toBe(0);
  });

  it('lets only whitelisted versions call ratings (listchecker)', async () => {
    await rt.apply(corpus('bookinfo-policy-mixer-rule-deny-whitelist.yaml'));
    const v3 = await rt.dispatcher.check(request({ app: 'reviews', version: 'v3' }, { app: 'ratings' }), new Map(), '', DEFAULTS);
    expect(v3.status).toEqual({ code: 5, message: expect.stringContaining('v3 is not whitelisted') });
    const v1 = await rt.dispatcher.check(request({ app: 'reviews', version: 'v1' }, { app: 'ratings' }), new Map(), '', DEFAULTS);
    expect(v1.status.code).toBe(0);
    const other = await rt.dispatcher.check(request({ app: 'reviews', version: 'v3' }, { app: 'details' }), new Map(), '', DEFAULTS);
    expect(other.status.code).toBe(0);
  });

  it('rate limits productpage to 2 requests per 5 s (memquota overrides)', async () => {
    await rt.apply(corpus('bookinfo-policy-mixer-rule-productpage-ratelimit.yaml'));
    const q = new Map([['requestcountquota', { amount: 1, bestEffort: true }]]);
    const grants: number[] = [];
    for (let i = 0; i < 4; i++) grants.push((await rt.dispatcher.check(request({ app: 'x' }, { app: 'productpage' }), q, `d${i}`, DEFAULTS)).quotas.get('requestcountquota')!.grantedAmount);
    expect(grants).toEqual([1, 1, 0, 0]);
    // The same deduplication id gets the same answer (a retry is not charged twice).
    expect((await rt.dispatcher.check(request({ app: 'x' }, { app: 'productpage' }), q, 'd0', DEFAULTS)).quotas.get('requestcountquota')!.grantedAmount).toBe(1);
    // details falls under the 500/s default.
    expect((await rt.dispatcher.check(request({ app: 'x' }, { app: 'details' }), q, 'e', DEFAULTS)).quotas.get('requestcountquota')!.grantedAmount).toBe(1);
  });
});

describe('MixerRuntime with the standard telemetry configs', () => {
  const rt = runtime();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixer-rt-'));
  afterAll(async () => {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const telemetryBag = (code: bigint, ms: number) =>
    bag({
      'context.reporter.kind': 'inbound',
      'source.workload.name': 'booking-v1',
      'source.labels': { app: 'booking-service', version: 'v1' },
      'destination.labels': { app: 'shipping-service', version: 'v2' },
      'destination.service.host': 'shipping-service.default.svc.cluster.local',
      'destination.service.name': 'shipping-service',
      'destination.namespace': 'default',
      'context.protocol': 'http',
      'response.code': code,
      'response.duration': new AttrDuration(ms),
      'request.size': 120n,
      'response.size': 2048n,
      'request.time': new Date('2026-01-01T00:00:00Z'),
    });

  it('exports istio_requests_total and the histograms with their labels and buckets, valid for promtool', async () => {
    await rt.apply([...corpus('mixer-testdata-prometheus.yaml', 'mixer-testdata-metrics.yaml')]);
    await rt.dispatcher.report([telemetryBag(200n, 12), telemetryBag(200n, 40), telemetryBag(503n, 3)]);
    const text = rt.prometheusText();
    expect(text).toMatch(/^istio_requests_total\{reporter="server",source_app="booking-service",.*destination_app="shipping-service".*response_code="200".*\} 2$/m);
    expect(text).toMatch(/^istio_requests_total\{.*response_code="503".*\} 1$/m);
    expect(text).toMatch(/^istio_request_duration_seconds_bucket\{.*response_code="200".*le="0.025"\} 1$/m);
    expect(text).toMatch(/^istio_request_duration_seconds_bucket\{.*response_code="200".*le="0.05"\} 2$/m);
    expect(text).toMatch(/^istio_request_duration_seconds_sum\{.*response_code="200".*\} 0.052\d*$/m);
    expect(text).toMatch(/^istio_response_bytes_bucket\{.*response_code="503".*le="10000"\} 1$/m);
    expect(text).toContain('# TYPE istio_tcp_sent_bytes_total counter');
    const file = path.join(dir, 'metrics.txt');
    fs.writeFileSync(file, text);
    // promtool exits non-zero on any problem it finds; it reads the exposition from stdin.
    const out = execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out).toBe('');
  });

  it('dispatches a large Report in slices, letting other work (a Check) run in between, and counts every bag', async () => {
    await rt.apply([...corpus('mixer-testdata-prometheus.yaml', 'mixer-testdata-metrics.yaml')]);
    const before = rt.prometheusText().match(/^istio_requests_total\{.*response_code="201".*\} (\d+)$/m);
    expect(before).toBeNull();
    const bags = Array.from({ length: REPORT_SLICE * 4 }, () => telemetryBag(201n, 5));
    let seenDuringReport = -1;
    const done = rt.dispatcher.report(bags);
    // Scheduled after the Report started: it runs before the Report ends only if the dispatcher yields.
    setImmediate(() => {
      const m = rt.prometheusText().match(/^istio_requests_total\{.*response_code="201".*\} (\d+)$/m);
      seenDuringReport = m ? Number(m[1]) : 0;
    });
    await done;
    expect(seenDuringReport).toBeGreaterThan(0);
    expect(seenDuringReport).toBeLessThan(bags.length);
    expect(rt.prometheusText()).toMatch(new RegExp(`^istio_requests_total\\{.*response_code="201".*\\} ${bags.length}$`, 'm'));
  });

  it('writes the log-entry config as JSON lines (stdio)', async () => {
    const logFile = path.join(dir, 'access.log');
    const resources = corpus('bookinfo-telemetry-log-entry.yaml').map((r) =>
      r.kind === 'handler' ? { ...r, spec: { ...r.spec, params: { ...(r.spec['params'] as object), logStream: 'FILE', outputPath: logFile } } } : r,
    );
    await rt.apply(resources);
    await rt.dispatcher.report([telemetryBag(404n, 7)]);
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        level: 'warn',
        time: '2026-01-01T00:00:00.000Z',
        instance: 'newlog.instance.istio-system',
        source: 'booking-service',
        user: 'unknown',
        destination: 'shipping-service',
        responseCode: 404,
        responseSize: 2048,
        latency: '7ms',
      },
    ]);
  });

  it('reports config problems instead of failing the whole config', async () => {
    await rt.apply([
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'rule', metadata: { name: 'r', namespace: 'istio-system' }, spec: { match: 'a ==', actions: [] } },
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'rule', metadata: { name: 'r2', namespace: 'istio-system' }, spec: { actions: [{ handler: 'nope', instances: ['x'] }] } },
    ]);
    expect(rt.describe()).toMatchObject({ problems: [expect.stringMatching(/rule r.rule.istio-system: match/), expect.stringMatching(/handler "nope" does not exist/)] });
  });
});
