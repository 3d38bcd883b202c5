import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kvm } from '@nats-io/kv';
import { CONFIG_BUCKET, configKey, KINDS } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats, parseSettings } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { galleySpecs } from '../config.js';
import { startGalley } from '../galley-process.js';
import type { RunningGalley } from '../galley-process.js';
import { sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const V = '/apis/networking.istio.io/v1alpha3';

describe('two Galley replicas on one NATS', () => {
  let nats: NatsServerProcess;
  const conns: NatsConnection[] = [];
  const replicas: TestGalley[] = [];

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    for (const name of ['replica-a', 'replica-b']) {
      const nc = await connectNats({ url: nats.url, name, timeoutMs: 5000, logger: silentLogger() });
      conns.push(nc);
      replicas.push(await createTestGalley({ nc }));
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    for (const nc of conns) await nc.close();
    await nats.stop();
  });

  it('never lose an update: every accepted write is based on the revision it read, the others get 409', async () => {
    const url = `${V}/namespaces/race/virtualservices`;
    await replicas[0]!.app.inject({ method: 'POST', url, payload: vs('counter', { labels: { n: '0' } }) });
    let accepted = 0;
    let conflicts = 0;
    const reads = new Map<string, string>(); // resourceVersion written -> resourceVersion it was based on
    const client = async (replica: TestGalley, rounds: number): Promise<void> => {
      for (let done = 0; done < rounds; ) {
        const current = replica.app.inject({ method: 'GET', url: `${url}/counter` });
        const obj = (await current).json<ConfigResource>();
        const next = { ...obj, metadata: { ...obj.metadata, labels: { n: String(Number(obj.metadata.labels!['n']) + 1) } } };
        const res = await replica.app.inject({ method: 'PUT', url: `${url}/counter`, payload: next });
        if (res.statusCode === 409) {
          expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Conflict' });
          conflicts++;
          continue;
        }
        expect(res.statusCode).toBe(200);
        reads.set(res.json<ConfigResource>().metadata.resourceVersion!, obj.metadata.resourceVersion!);
        accepted++;
        done++;
      }
    };
    await Promise.all([client(replicas[0]!, 25), client(replicas[1]!, 25), client(replicas[0]!, 25), client(replicas[1]!, 25)]);
    const final = (await replicas[1]!.app.inject({ method: 'GET', url: `${url}/counter` })).json<ConfigResource>();
    expect(accepted).toBe(100);
    expect(final.metadata.labels!['n']).toBe('100');
    expect(conflicts).toBeGreaterThan(0);
    // The stored history is one chain: each accepted write replaced exactly the revision it had read.
    const kv = await new Kvm(conns[0]!).open(CONFIG_BUCKET);
    const history: number[] = [];
    for await (const e of await kv.history({ key: configKey(VS, 'race', 'counter') })) history.push(e.revision);
    for (let i = 1; i < history.length; i++) expect(reads.get(String(history[i]))).toBe(String(history[i - 1]));
  });

  it('never create the same object twice', async () => {
    const url = `${V}/namespaces/race-create/virtualservices`;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.app.inject({ method: 'POST', url, payload: vs('once') })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json<{ reason: string }>().reason === 'AlreadyExists')).toBe(true);
  });
});

describe('restarts', () => {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'galley-restart-nats-'));
  let nats: NatsServerProcess;
  let galley: RunningGalley | undefined;

  const start = async (): Promise<RunningGalley> => {
    const parsed = parseSettings(galleySpecs, [], {
      MESH_NATS_URL: nats.url,
      MESH_GALLEY_ANONYMOUS: 'true',
      MESH_ADMIN_PORT: '0',
      MESH_GALLEY_API_PORT: '0',
      MESH_GALLEY_API_HOST: '127.0.0.1',
      MESH_ADMIN_HOST: '127.0.0.1',
    });
    if (parsed.help) throw new Error('unexpected help');
    return startGalley(parsed.settings, silentLogger());
  };
  const api = (g: RunningGalley, p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${g.apiPort}${p}`, { ...init, headers: { 'content-type': 'application/json' } });
  const names = async (g: RunningGalley): Promise<string[]> => ((await (await api(g, `${V}/namespaces/durable/virtualservices`)).json()) as { items: ConfigResource[] }).items.map((o) => o.metadata.name);

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ storeDir });
  });
  afterAll(async () => {
    await galley?.stop();
    await nats.stop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('lose nothing when Galley restarts', async () => {
    galley = await start();
    for (const n of ['a', 'b', 'c']) expect((await api(galley, `${V}/namespaces/durable/virtualservices`, { method: 'POST', body: JSON.stringify(vs(n)) })).status).toBe(201);
    await galley.stop();
    galley = await start();
    expect(await names(galley)).toEqual(['a', 'b', 'c']);
  });

  it('lose nothing when nats-server restarts (same store dir)', async () => {
    await nats.restart();
    const deadline = Date.now() + 15000;
    let list: string[] = [];
    while (Date.now() < deadline) {
      const res = await api(galley!, `${V}/namespaces/durable/virtualservices`);
      if (res.status === 200) {
        list = ((await res.json()) as { items: ConfigResource[] }).items.map((o) => o.metadata.name);
        break;
      }
      expect(res.status).toBe(503);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(list).toEqual(['a', 'b', 'c']);
  });

  it('answer 503 (never 500, never crash) while NATS is down, then recover', async () => {
    const g = galley!;
    const port = nats.port;
    await nats.stop({ keepStore: true });
    await new Promise((r) => setTimeout(r, 300));
    const during = await Promise.all([
      api(g, `${V}/namespaces/durable/virtualservices`),
      api(g, `${V}/namespaces/durable/virtualservices/a`),
      api(g, `${V}/namespaces/durable/virtualservices`, { method: 'POST', body: JSON.stringify(vs('d')) }),
      api(g, `${V}/namespaces/durable/virtualservices/a`, { method: 'DELETE' }),
      api(g, `${V}/namespaces/durable/virtualservices?watch=true`),
      api(g, '/apis/galley.mesh.io/v1/apply?namespace=durable', { method: 'POST', body: JSON.stringify(vs('e')) }),
    ]);
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    }
    expect((await fetch(`http://127.0.0.1:${g.adminPort}/healthz/ready`)).status).toBe(503);

    nats = await NatsServerProcess.start({ port, storeDir });
    const deadline = Date.now() + 15000;
    let status = 0;
    while (Date.now() < deadline && status !== 201) {
      status = (await api(g, `${V}/namespaces/durable/virtualservices`, { method: 'POST', body: JSON.stringify(vs('d')) })).status;
      if (status !== 201) {
        expect(status).toBe(503);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(status).toBe(201);
    expect(await names(g)).toEqual(['a', 'b', 'c', 'd']);
    expect((await fetch(`http://127.0.0.1:${g.adminPort}/healthz/ready`)).status).toBe(200);
  });
});
