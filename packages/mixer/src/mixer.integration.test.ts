import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { CONFIG_BUCKET, configKey, encodeAttributes, encodeReportRequest, GLOBAL_DICTIONARY, GrpcServices, kindByPlural, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { AttrValue, CheckRequestMessage, CheckResponseMessage, ReportRequestMessage } from '@mesh/shared-api';
import { startTestMixer } from './testing/index.js';
import type { RunningMixer } from './start-mixer.js';

/** A Mixer replica following Galley's bucket on a real nats-server, driven over real gRPC. */

type Obj = { kind: string; plural: string; name: string; namespace: string; spec: Record<string, unknown> };

async function eventually<T>(probe: () => Promise<T>, ok: (t: T) => boolean, what: string, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class MixerClient {
  private readonly client: grpc.Client;
  constructor(port: number) {
    const Ctor = grpc.makeGenericClientConstructor(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, 'Mixer');
    this.client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }
  check(bag: Record<string, AttrValue>, quotas: CheckRequestMessage['quotas'] = {}, dedup = `${Math.random()}`): Promise<CheckResponseMessage> {
    const req: CheckRequestMessage = { attributes: encodeAttributes(bag), global_word_count: GLOBAL_DICTIONARY.size, deduplication_id: dedup, quotas };
    return new Promise((resolve, reject) =>
      (this.client as unknown as { Check: (r: CheckRequestMessage, cb: (e: Error | null, res: CheckResponseMessage) => void) => void }).Check(req, (e, res) => (e ? reject(e) : resolve(res))),
    );
  }
  report(bags: Record<string, AttrValue>[]): Promise<void> {
    const req = encodeReportRequest(bags);
    return new Promise((resolve, reject) =>
      (this.client as unknown as { Report: (r: ReportRequestMessage, cb: (e: Error | null) => void) => void }).Report(req, (e) => (e ? reject(e) : resolve())),
    );
  }
  close(): void {
    this.client.close();
  }
}

const caller = (srcApp: string, dstApp: string): Record<string, AttrValue> => ({
  'source.labels': { app: srcApp, version: 'v1' },
  'destination.labels': { app: dstApp },
  'destination.namespace': 'default',
  'destination.service.name': dstApp,
  'response.code': 200n,
});

describe('Mixer following Galley config over NATS', () => {
  let nats: NatsServerProcess;
  let writer: NatsConnection;
  let kv: KV;
  const mixers: RunningMixer[] = [];
  const clients: MixerClient[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixer-int-'));
  const redisPrefix = `mixer-int-${process.pid}-${Date.now()}:`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });

  const put = async (o: Obj): Promise<void> => {
    const kind = kindByPlural('config.istio.io', o.plural)!;
    await kv.put(configKey(kind, o.namespace, o.name), JSON.stringify({ apiVersion: 'config.istio.io/v1alpha2', kind: o.kind, metadata: { name: o.name, namespace: o.namespace }, spec: o.spec }));
  };
  const del = async (plural: string, namespace: string, name: string): Promise<void> => {
    await kv.delete(configKey(kindByPlural('config.istio.io', plural)!, namespace, name));
  };
  const start = async (env: Record<string, string> = {}): Promise<MixerClient> => {
    const m = await startTestMixer({ MESH_MIXER_CONFIG_SOURCE: 'nats', MESH_NATS_URL: nats.url, MESH_MIXER_REDIS_KEY_PREFIX: redisPrefix, ...env }, silentLogger());
    mixers.push(m);
    const c = new MixerClient(m.grpcPort);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ storeDir: path.join(dir, 'nats') });
    writer = await connect({ servers: nats.url });
    kv = await new Kvm(writer).create(CONFIG_BUCKET, { history: 1 });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const m of mixers) await m.stop();
    await writer?.close();
    await nats?.stop();
    if (redis.status === 'ready') {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies a denier rule live, and removes it live', async () => {
    const mixer = await start();
    await put({ kind: 'handler', plural: 'handlers', name: 'denyhandler', namespace: 'default', spec: { compiledAdapter: 'denier', params: { status: { code: 7, message: 'Not allowed' } } } });
    await put({ kind: 'instance', plural: 'instances', name: 'denyrequest', namespace: 'default', spec: { compiledTemplate: 'checknothing' } });
    await put({
      kind: 'rule',
      plural: 'rules',
      name: 'deny',
      namespace: 'default',
      spec: { match: 'destination.labels["app"] == "shipping" && source.labels["app"] == "booking"', actions: [{ handler: 'denyhandler', instances: ['denyrequest'] }] },
    });
    const denied = await eventually(() => mixer.check(caller('booking', 'shipping')), (r) => r.precondition.status.code === 7, 'the deny rule');
    expect(denied.precondition.status.message).toBe('denyhandler.handler.default:Not allowed');
    // The cache key Mixer hands back: the two labels it read and the namespace scoping the rule.
    const refs = denied.precondition.referenced_attributes;
    const names = refs.attribute_matches!.map((m) => (m.name >= 0 ? GLOBAL_DICTIONARY.wordAt(m.name) : refs.words![-m.name - 1]));
    expect(names.sort()).toEqual(['destination.labels', 'destination.namespace', 'source.labels']);
    expect((await mixer.check(caller('inventory', 'shipping'))).precondition.status.code).toBe(0);
    await del('rules', 'default', 'deny');
    await eventually(() => mixer.check(caller('booking', 'shipping')), (r) => r.precondition.status.code === 0, 'the rule to be gone');
  });

  it('loads an adapter package by name from MESH_MIXER_ADAPTER_PATH and sends it instances', async () => {
    // A directory laid out like node_modules, outside Mixer's source tree, holding only the package.
    const adapterDir = path.join(dir, 'adapters');
    fs.mkdirSync(path.join(adapterDir, '@mesh'), { recursive: true });
    fs.symlinkSync(path.resolve(__dirname, '../../adapter-example'), path.join(adapterDir, '@mesh', 'adapter-example'));
    const mixer = await start({ MESH_MIXER_ADAPTER_PATH: adapterDir });
    const audit = path.join(dir, 'audit.jsonl');
    await put({ kind: 'handler', plural: 'handlers', name: 'audit', namespace: 'istio-system', spec: { adapter: '@mesh/adapter-example', params: { outputPath: audit, deny: ['v9'] } } });
    await put({ kind: 'instance', plural: 'instances', name: 'accesslog', namespace: 'istio-system', spec: { compiledTemplate: 'logentry', params: { severity: '"info"', variables: { code: 'response.code | 0', app: 'destination.labels["app"]' } } } });
    await put({ kind: 'instance', plural: 'instances', name: 'version', namespace: 'istio-system', spec: { compiledTemplate: 'listentry', params: { value: 'source.labels["version"]' } } });
    await put({ kind: 'rule', plural: 'rules', name: 'audit', namespace: 'istio-system', spec: { actions: [{ handler: 'audit', instances: ['accesslog', 'version'] }] } });
    await eventually(
      async () => {
        await mixer.report([caller('booking', 'inventory')]);
        return fs.existsSync(audit) ? fs.readFileSync(audit, 'utf8') : '';
      },
      (t) => t.includes('"instance":"accesslog.instance.istio-system"'),
      'the example adapter to write a report instance',
    );
    const line = JSON.parse(fs.readFileSync(audit, 'utf8').trim().split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ handler: 'audit.handler.istio-system', template: 'logentry', fields: { severity: 'info', variables: { code: 200, app: 'inventory' } } });
    const v9 = { ...caller('booking', 'inventory'), 'source.labels': { app: 'booking', version: 'v9' } };
    expect((await mixer.check(v9)).precondition.status).toMatchObject({ code: 7, message: 'audit.handler.istio-system:v9 is on the example deny list' });
    const metrics = await (await fetch(`http://127.0.0.1:${mixers.at(-1)!.adapterMetricsPort}/metrics`)).text();
    expect(metrics).toMatch(/mesh_example_instances_total\{handler="audit.handler.istio-system",instance="accesslog.instance.istio-system"\} \d+/);
    await del('rules', 'istio-system', 'audit');
  });

  it('holds one redisquota limit across two Mixer replicas', async () => {
    await redis.connect();
    const [a, b] = [await start(), await start()];
    await put({
      kind: 'handler',
      plural: 'handlers',
      name: 'redishandler',
      namespace: 'istio-system',
      spec: {
        compiledAdapter: 'redisquota',
        params: { redisServerUrl: '127.0.0.1:6379', connectionPoolSize: 10, quotas: [{ name: 'requestcountquota.instance.istio-system', maxAmount: 500, validDuration: '10s', bucketDuration: '500ms', rateLimitAlgorithm: 'ROLLING_WINDOW', overrides: [{ dimensions: { destination: 'shipping' }, maxAmount: 3 }] }] },
      },
    });
    await put({ kind: 'instance', plural: 'instances', name: 'requestcountquota', namespace: 'istio-system', spec: { compiledTemplate: 'quota', params: { dimensions: { destination: 'destination.labels["app"] | destination.service.name | "unknown"' } } } });
    await put({ kind: 'rule', plural: 'rules', name: 'quota', namespace: 'istio-system', spec: { actions: [{ handler: 'redishandler', instances: ['requestcountquota'] }] } });
    const quota = { requestcountquota: { amount: '1', best_effort: true } };
    // Wait until both replicas run the rule (a probe on another destination does not use the shipping limit).
    for (const m of [a!, b!]) {
      await eventually(() => m.check(caller('booking', 'probe'), quota), (r) => r.quotas['requestcountquota']?.referenced_attributes.attribute_matches?.length !== 0, 'the quota rule');
    }
    const grants: number[] = [];
    for (let i = 0; i < 6; i++) grants.push(Number((await (i % 2 === 0 ? a! : b!).check(caller('booking', 'shipping'), quota)).quotas['requestcountquota']!.granted_amount));
    expect(grants).toEqual([1, 1, 1, 0, 0, 0]);
    expect((await redis.keys(`${redisPrefix}*`)).length).toBeGreaterThan(0);
  });
});
