import net from 'node:net';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { CONFIG_BUCKET, KINDS, validateResource } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { randomRequest, seededRandom } from '../testing/fuzz-requests.js';
import type { FuzzRequest } from '../testing/fuzz-requests.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

// GALLEY_FUZZ_SEED replays a failing run; GALLEY_FUZZ_ITERATIONS runs longer (or shorter).
const SEED = Number(process.env['GALLEY_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 32));
const ITERATIONS = Number(process.env['GALLEY_FUZZ_ITERATIONS'] ?? 10_000);

describe(`API fuzz (seed ${SEED}; replay with GALLEY_FUZZ_SEED=${SEED})`, () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  let kv: KV;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => void crashes.push(err);

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'fuzz', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({ nc });
    kv = await new Kvm(nc).open(CONFIG_BUCKET);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  const lastRevision = async (): Promise<number> => (await kv.status()).streamInfo.state.last_seq;

  it(`answers ${ITERATIONS} random and malformed requests without a 5xx, a crash, or a write by a refused request`, async () => {
    const rng = seededRandom(SEED);
    const byStatus = new Map<number, number>();
    let revision = await lastRevision();
    let accepted = 0;
    const started = Date.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const req: FuzzRequest = randomRequest(rng);
      const where = `iteration ${i} (seed ${SEED}): ${req.label}`;
      let res;
      try {
        res = await galley.app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload });
      } catch (err) {
        throw new Error(`${where}: the request failed inside the server: ${String(err)}`);
      }
      byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) throw new Error(`${where}: answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
      if (res.statusCode >= 400 && req.method !== 'HEAD') {
        const status = res.json<{ kind?: string; code?: number }>();
        if (status.kind !== 'Status' || status.code !== res.statusCode) throw new Error(`${where}: a ${res.statusCode} that is not a metav1.Status: ${res.body.slice(0, 300)}`);
      }
      const now = await lastRevision();
      if (res.statusCode >= 400 && now !== revision) throw new Error(`${where}: refused with ${res.statusCode} but the config bucket changed (revision ${revision} -> ${now})`);
      if (now !== revision) accepted++;
      revision = now;
      if (crashes.length > 0) throw new Error(`${where}: unhandled error: ${String(crashes[0])}`);
    }
    // Whatever was accepted is valid: every stored object passes the same validation again.
    for (const kind of KINDS) {
      for (const obj of (await galley.store.list(kind)).items) {
        const { resourceVersion: _rv, uid: _u, generation: _g, creationTimestamp: _c, ...meta } = obj.metadata;
        const check = validateResource({ ...obj, metadata: meta } as ConfigResource, obj.metadata.namespace ?? 'default');
        if (!check.ok) throw new Error(`seed ${SEED}: an invalid object was stored: ${JSON.stringify(obj).slice(0, 300)}: ${JSON.stringify(check.errors)}`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `galley fuzz: seed ${SEED}, ${ITERATIONS} requests in ${seconds.toFixed(1)} s, ${accepted} changed the store, statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}\n`,
    );
    expect(crashes).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);

  it('survives malformed HTTP on a real socket (bad request lines, headers, chunking, early hang-ups)', async () => {
    await galley.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = galley.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const rng = seededRandom(SEED ^ 0x5eed);
    const V = '/apis/networking.istio.io/v1alpha3/namespaces/raw/virtualservices';
    const raw = [
      () => `GET ${V} HTTP/1.1\r\nHost: x\r\n\r\n`,
      () => `POST ${V} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      () => `POST ${V} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
      () => `GARBAGE /\x00 HTTP/9.9\r\n\r\n`,
      () => `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      () => `GET ${V} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      () => `PATCH ${V}/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json-patch+json\r\nContent-Length: 5\r\n\r\n[{]}]`,
      () => Buffer.from(Array.from({ length: 200 }, () => Math.floor(rng() * 256))).toString('latin1'),
    ];
    for (let i = 0; i < 400; i++) {
      const payload = raw[Math.floor(rng() * raw.length)]!();
      await new Promise<void>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port }, () => {
          sock.write(payload, 'latin1');
          if (rng() < 0.3) sock.destroy();
        });
        sock.setTimeout(100, () => sock.destroy());
        sock.on('data', () => sock.destroy());
        sock.on('error', () => undefined);
        sock.on('close', () => resolve());
      });
    }
    const ok = await fetch(`http://127.0.0.1:${port}/apis`);
    expect(ok.status).toBe(200);
    expect(crashes).toEqual([]);
  }, 60_000);
});
