import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GalleyClient, readDocuments } from '@mesh/meshctl';
import { binPath, freePlan, LocalMesh } from '@mesh/local-mesh';
import { freePort } from '@mesh/runtime';
import { encodeAttributes, GLOBAL_DICTIONARY, GrpcServices, kindByApiVersion, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { CheckRequestMessage, CheckResponseMessage, ConfigResource } from '@mesh/shared-api';

/**
 * Mixer end to end: Istio's Bookinfo policy and telemetry configs (from the conformance corpus,
 * with Bookinfo's service names mapped onto the sample app's) applied at Galley → NATS → Mixer,
 * while the sample app's sidecars Check every inbound request and Report every request.
 *
 * Name mapping: productpage → booking-service (the entry), ratings → shipping-service (the callee
 * the deny rules protect), reviews → booking-service (its caller), v3 → v1 (the caller's version).
 */
const CORPUS = '/work/shared/conformance/istio';
const RENAMES: ReadonlyArray<[RegExp, string]> = [
  [/"ratings"/g, '"shipping-service"'],
  [/"reviews"/g, '"booking-service"'],
  [/"v3"/g, '"v1"'],
  [/destination: productpage/g, 'destination: booking-service'],
  [/- name: productpage/g, '- name: booking-service'], // the QuotaSpecBinding's service
  [/redis-release-master:6379/g, '127.0.0.1:6379'],
];

/**
 * Sidecars cache Check answers for as long as the adapter says (denier 5 s, listchecker 5 min, as in
 * Istio): 1 s here, so that a policy change or deletion is seen within a second or two.
 */
function shortValidity(docs: readonly ConfigResource[]): ConfigResource[] {
  return docs.map((d) => {
    if (d.kind !== 'handler') return d;
    const adapter = d.spec['compiledAdapter'];
    const key = adapter === 'denier' ? 'validDuration' : adapter === 'listchecker' ? 'cachingInterval' : undefined;
    return key ? { ...d, spec: { ...d.spec, params: { ...(d.spec['params'] as object), [key]: '1s' } } } : d;
  });
}

function corpusDocs(file: string, tmp: string, edit: (text: string) => string = (t) => t): ConfigResource[] {
  let text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
  for (const [re, to] of RENAMES) text = text.replace(re, to);
  const out = path.join(tmp, file);
  fs.writeFileSync(out, edit(text));
  return readDocuments([out]).map((d) => d.doc);
}

interface Reply {
  status: number;
  text: string;
  json?: Record<string, unknown>;
}

const agent = new http.Agent({ keepAlive: false });

function get(port: number, host: string, p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers: { host, ...headers }, agent, timeout: 10000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, ...(json ? { json } : {}) });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end();
  });
}

async function eventually<T>(probe: () => Promise<T>, ok: (t: T) => boolean, what: string, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sum of the samples of one metric whose labels include all of `labels`. */
function sample(text: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('Mixer policy and telemetry through the whole mesh', () => {
  let mesh: LocalMesh;
  let galley: GalleyClient;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-e2e-mixer-'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-e2e-mixer-cfg-'));
  // A key prefix of its own per run; redisquota's keys expire with their window.
  const redisPrefix = `e2e-mixer-${process.pid}-${Date.now()}:`;
  const adapterDir = path.join(tmp, 'adapters');
  let replicaB: ChildProcess | undefined;
  let bookingPort = 0;

  const booking = (): Promise<Reply> => get(bookingPort, 'booking-service', '/api/v1/booking?item=widget');
  const applyAll = async (docs: readonly ConfigResource[]): Promise<void> => {
    for (const d of docs) await galley.apply(d);
  };
  const deleteAll = async (docs: readonly ConfigResource[]): Promise<void> => {
    for (const d of docs) await galley.delete(kindByApiVersion(d.apiVersion, d.kind)!, d.metadata.namespace ?? 'default', d.metadata.name);
  };
  const mixerConfig = async (): Promise<{ rules: { name: string }[]; handlers: { name: string; live: boolean }[]; problems: string[] }> =>
    (await (await fetch(`${mesh.mixerAdminUrl}/debug/config`)).json()) as never;
  const waitForRules = (names: string[]) => eventually(mixerConfig, (c) => names.every((n) => c.rules.some((r) => r.name === n)), `Mixer rules ${names.join(', ')}`);

  beforeAll(async () => {
    fs.mkdirSync(path.join(adapterDir, '@mesh'), { recursive: true });
    fs.symlinkSync(path.resolve(__dirname, '..', 'packages', 'adapter-example'), path.join(adapterDir, '@mesh', 'adapter-example'));
    mesh = new LocalMesh({
      plan: await freePlan(),
      runDir,
      privateNats: true,
      readyTimeoutMs: 30000,
      extraEnv: {
        // No MESH_SIDECAR_MIXER_QUOTAS: the sample's QuotaSpecBinding decides which service is charged.
        // Check answers are cached by the sidecars (1 min by default, as in Istio): 1 s here, so that
        // each policy change below is seen within a second.
        mixer: { MESH_MIXER_ADAPTER_METRICS_PORT: '0', MESH_MIXER_REDIS_KEY_PREFIX: redisPrefix, MESH_MIXER_ADAPTER_PATH: adapterDir, MESH_MIXER_CHECK_VALID_DURATION_MS: '1000' },
      },
    });
    await mesh.start();
    galley = new GalleyClient(mesh.galleyUrl);
    bookingPort = mesh.workload('booking-v1').inboundPort;
  }, 120000);

  afterAll(async () => {
    replicaB?.kill('SIGTERM');
    await mesh?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exports Istio standard metrics from the sidecars reports (prometheus adapter), valid for promtool', async () => {
    const docs = [...corpusDocs('mixer-testdata-prometheus.yaml', tmp), ...corpusDocs('mixer-testdata-metrics.yaml', tmp)];
    await applyAll(docs);
    await waitForRules(['promhttp.rule.istio-system']);
    for (let i = 0; i < 10; i++) expect((await booking()).status).toBe(200);
    const labels = { reporter: 'server', destination_app: 'shipping-service', source_app: 'booking-service', response_code: '200', request_protocol: 'http' };
    const text = await eventually(
      async () => (await fetch(`${mesh.mixerAdminUrl}/adapters/metrics`)).text(),
      (t) => sample(t, 'istio_requests_total', labels) >= 10,
      'istio_requests_total for booking → shipping',
    );
    expect(sample(text, 'istio_requests_total', labels)).toBe(10);
    expect(sample(text, 'istio_requests_total', { reporter: 'client', source_app: 'booking-service', destination_app: 'inventory-service' })).toBe(10);
    expect(sample(text, 'istio_request_duration_seconds_count', labels)).toBe(10);
    expect(sample(text, 'istio_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(10);
    expect(sample(text, 'istio_response_bytes_count', labels)).toBe(10);
    expect(text).toMatch(/^istio_request_bytes_bucket\{.*le="1"\} /m);
    expect(text).toContain('# TYPE istio_tcp_sent_bytes_total counter');
    expect(execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });

  it('writes access logs as JSON lines (stdio adapter, log-entry config)', async () => {
    const log = path.join(tmp, 'access.jsonl');
    const docs = corpusDocs('bookinfo-telemetry-log-entry.yaml', tmp, (t) => t.replace('outputAsJson: true', `outputAsJson: true\n    logStream: FILE\n    outputPath: ${log}`));
    await applyAll(docs);
    await waitForRules(['newlogstdio.rule.istio-system']);
    expect((await booking()).status).toBe(200);
    const lines = await eventually(
      async () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>) : []),
      (ls) => ls.some((l) => l['destination'] === 'shipping-service'),
      'an access log line for shipping-service',
    );
    expect(lines.find((l) => l['destination'] === 'shipping-service')).toMatchObject({ level: 'warn', instance: 'newlog.instance.istio-system', source: 'booking-service', responseCode: 200, user: 'unknown' });
    await deleteAll(docs);
  });

  it('denies booking → shipping by labels (denier) and allows it again once the rule is deleted', async () => {
    const docs = shortValidity(corpusDocs('bookinfo-policy-mixer-rule-deny-label.yaml', tmp));
    await applyAll(docs);
    const denied = await eventually(booking, (r) => r.status === 502, 'bookings to fail on the denied shipping call');
    expect(denied.json).toMatchObject({ upstreamStatus: { inventory: 200, shipping: 403 }, shipping: 'PERMISSION_DENIED:denyreviewsv3handler.handler.default:Not allowed' });
    await deleteAll(docs);
    await sleep(1200); // denials the sidecars cached expire
    await eventually(booking, (r) => r.status === 200, 'bookings to succeed again');
  });

  it('lets only whitelisted versions call shipping (listchecker), following a live change of the list', async () => {
    const docs = shortValidity(corpusDocs('bookinfo-policy-mixer-rule-deny-whitelist.yaml', tmp));
    await applyAll(docs);
    await eventually(mixerConfig, (c) => c.rules.some((r) => r.name === 'checkversion.rule.default') && c.handlers.some((h) => h.name === 'whitelist.handler.default' && h.live), 'the whitelist rule');
    expect((await booking()).status).toBe(200); // booking is v1: whitelisted by ["v1", "v2"]
    const v2only = docs.map((d) => (d.kind === 'handler' ? { ...d, spec: { ...d.spec, params: { ...(d.spec['params'] as object), overrides: ['v2'] } } } : d));
    await applyAll(v2only);
    const denied = await eventually(booking, (r) => r.status === 502, 'v1 to be refused');
    expect(denied.json).toMatchObject({ upstreamStatus: { shipping: 404 }, shipping: 'NOT_FOUND:whitelist.handler.default:v1 is not whitelisted' });
    await deleteAll(docs);
    await sleep(1200); // denials the sidecars cached expire
    await eventually(booking, (r) => r.status === 200, 'bookings to succeed again');
  });

  it('rate limits booking-service to 2 requests per 5 s (memquota, QuotaSpecBinding), answering 429', async () => {
    const docs = corpusDocs('bookinfo-policy-mixer-rule-productpage-ratelimit.yaml', tmp);
    // The binding first names another service: booking-service is not charged.
    const unbound = docs.map((d) => (d.kind === 'QuotaSpecBinding' ? { ...d, spec: { ...d.spec, services: [{ name: 'inventory-service', namespace: 'default' }] } } : d));
    await applyAll(unbound);
    await eventually(mixerConfig, (c) => c.rules.some((r) => r.name === 'quota.rule.istio-system') && c.handlers.some((h) => h.name === 'quotahandler.handler.istio-system' && h.live), 'the quota rule');
    const free: number[] = [];
    for (let i = 0; i < 4; i++) free.push((await booking()).status);
    expect(free).toEqual([200, 200, 200, 200]);
    await applyAll(docs);
    await eventually(booking, (r) => r.status === 429, 'the rate limit');
    await sleep(5500); // the 5 s rolling window empties
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await booking()).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const limited = await booking();
    expect(limited.text).toBe('RESOURCE_EXHAUSTED:Quota is exhausted for: requestcountquota');
    await deleteAll(docs);
    await eventually(booking, (r) => r.status === 200, 'the limit to be gone');
  });

  it('sends instances to an adapter package loaded by name (@mesh/adapter-example)', async () => {
    const audit = path.join(tmp, 'audit.jsonl');
    const docs: ConfigResource[] = [
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'handler', metadata: { name: 'audit', namespace: 'istio-system' }, spec: { adapter: '@mesh/adapter-example', params: { outputPath: audit } } },
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'instance', metadata: { name: 'auditentry', namespace: 'istio-system' }, spec: { compiledTemplate: 'logentry', params: { severity: '"info"', variables: { destination: 'destination.service.name | "unknown"', code: 'response.code | 0' } } } },
      { apiVersion: 'config.istio.io/v1alpha2', kind: 'rule', metadata: { name: 'audit', namespace: 'istio-system' }, spec: { match: 'context.reporter.kind == "inbound"', actions: [{ handler: 'audit', instances: ['auditentry'] }] } },
    ];
    await applyAll(docs);
    await eventually(mixerConfig, (c) => c.handlers.some((h) => h.name === 'audit.handler.istio-system' && h.live), 'the example adapter handler');
    expect((await booking()).status).toBe(200);
    const lines = await eventually(
      async () => (fs.existsSync(audit) ? fs.readFileSync(audit, 'utf8') : ''),
      (t) => t.includes('"destination":"shipping-service"'),
      'the example adapter to receive instances',
    );
    expect(JSON.parse(lines.split('\n').find((l) => l.includes('shipping-service'))!)).toMatchObject({ handler: 'audit.handler.istio-system', template: 'logentry', fields: { variables: { destination: 'shipping-service', code: 200 } } });
    await deleteAll(docs);
  });

  it('holds one redisquota limit across two Mixer replicas', async () => {
    // Replica B: a second Mixer process on the same NATS (so the same config) and the same Redis.
    const grpcPort = await freePort();
    const adminPort = await freePort();
    const logFile = fs.openSync(path.join(runDir, 'mixer-b.log'), 'a');
    replicaB = spawn(process.execPath, [binPath('mixer')], {
      env: { ...process.env, MESH_NATS_URL: mesh.natsUrl, MESH_MIXER_GRPC_PORT: String(grpcPort), MESH_ADMIN_PORT: String(adminPort), MESH_MIXER_ADAPTER_METRICS_PORT: '0', MESH_MIXER_REDIS_KEY_PREFIX: redisPrefix },
      stdio: ['ignore', logFile, logFile],
    });
    const docs = corpusDocs('bookinfo-policy-mixer-rule-productpage-redis-quota-rolling-window.yaml', tmp, (t) =>
      // A 30 s window with a limit of 4 for booking-service, so the test never straddles a window.
      t.replace(/validDuration: 1s/g, 'validDuration: 30s').replace(/destination: booking-service\n        maxAmount: 2/, 'destination: booking-service\n        maxAmount: 4'),
    );
    await applyAll(docs);
    await eventually(mixerConfig, (c) => c.handlers.some((h) => h.name === 'redishandler.handler.istio-system' && h.live), 'the redisquota handler on replica A');
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${adminPort}/debug/config`).then((r) => r.json()).catch(() => ({ handlers: [] }))) as { handlers: { name: string; live: boolean }[] },
      (c) => c.handlers.some((h) => h.name === 'redishandler.handler.istio-system' && h.live),
      'the redisquota handler on replica B',
    );
    // Replica B answers Checks as a sidecar would send them (compressed attributes, a quota request).
    const Ctor = grpc.makeGenericClientConstructor(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, 'Mixer');
    const client = new Ctor(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
    const checkB = (): Promise<number> => {
      const req: CheckRequestMessage = {
        attributes: encodeAttributes({ 'destination.labels': { app: 'booking-service', version: 'v1' }, 'destination.namespace': 'default', 'context.reporter.kind': 'inbound' }),
        global_word_count: GLOBAL_DICTIONARY.size,
        deduplication_id: `b-${Math.random()}`,
        quotas: { requestcountquota: { amount: '1', best_effort: true } },
      };
      return new Promise((resolve, reject) =>
        (client as unknown as { Check: (r: CheckRequestMessage, cb: (e: Error | null, res: CheckResponseMessage) => void) => void }).Check(req, (e, res) =>
          e ? reject(e) : resolve(Number(res.quotas['requestcountquota']?.granted_amount ?? -1)),
        ),
      );
    };
    try {
      // Two bookings through the sidecar (Checks at replica A), two Checks at replica B: the limit of 4 is used up.
      expect((await booking()).status).toBe(200);
      expect((await booking()).status).toBe(200);
      expect([await checkB(), await checkB()]).toEqual([1, 1]);
      const over = await booking();
      expect(over.status).toBe(429);
      expect(await checkB()).toBe(0);
    } finally {
      client.close();
    }
    await deleteAll(docs);
    replicaB.kill('SIGTERM');
  });

  it('fails closed when Mixer is down: 503 at once, never a hang', async () => {
    const mixer = mesh.processes.find((p) => p.name === 'mixer')!;
    process.kill(mixer.pid, 'SIGTERM');
    const r = await eventually(booking, (x) => x.status === 503, 'Mixer being down to show', 15000);
    expect(r.text).toMatch(/^UNAVAILABLE:Mixer is unavailable/);
    const t0 = Date.now();
    await booking();
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
