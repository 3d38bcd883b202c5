/**
 * Galley apply benchmark: throughput (resources/s validated, stored in the KV bucket and published
 * on NATS) with N concurrent clients over real HTTP against a Galley process on a real nats-server,
 * and single-apply latency (p50/p99). Run after `pnpm build`:
 *
 *   pnpm --filter @mesh/galley bench            # or: tsc -p bench/tsconfig.json && node bench/dist/galley-apply.js
 *   BENCH_RESOURCES=20000 BENCH_CLIENTS=32 ...  # bigger runs
 *
 * Goals on the reference machine: >= 2,000 resources/s, single-apply p99 <= 20 ms.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const RESOURCES = Number(process.env['BENCH_RESOURCES'] ?? 10_000);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 16);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 50);
const LATENCY_SAMPLES = Number(process.env['BENCH_LATENCY_SAMPLES'] ?? 2_000);
/** BENCH_PHASES=create,update,apply,single (all by default): run only some phases (update and apply need create's objects). */
const PHASES = new Set((process.env['BENCH_PHASES'] ?? 'create,update,apply,single').split(','));
const GOAL_RATE = 2000;
const GOAL_P99_MS = 20;

// The bench lives outside the workspace packages: Galley's own dependencies are resolved through it.
const galleyDir = path.dirname(require.resolve('@mesh/galley/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a module resolved at run time from Galley's directory
const fromGalley = <T>(id: string): T => require(require.resolve(id, { paths: [galleyDir] })) as T;
/** The part of the NATS client the bench uses (the package itself is Galley's dependency). */
interface NatsClient {
  subscribe(subject: string, opts: { callback: () => void }): unknown;
  flush(): Promise<void>;
  close(): Promise<void>;
}
const { connect } = fromGalley<{ connect(opts: { servers: string }): Promise<NatsClient> }>('@nats-io/transport-node');
const { CONFIG_EVENTS_SUBJECT } = fromGalley<{ CONFIG_EVENTS_SUBJECT: string }>('@mesh/shared-api');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${ms} ms`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(port: number, method: string, urlPath: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers: body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const vs = (name: string, subset = 'v1') => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name, labels: { app: 'bench' } },
  spec: { hosts: [`${name}.bench.svc.cluster.local`], http: [{ route: [{ destination: { host: `${name}.bench.svc.cluster.local`, subset }, weight: 100 }] }] },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `total` operations over `clients` concurrent loops; returns elapsed ms and per-operation latencies. */
async function load(total: number, clients: number, op: (i: number) => Promise<void>): Promise<{ ms: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { ms: performance.now() - started, latencies: latencies.sort((a, b) => a - b) };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); 0 elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100/s)
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'galley-bench-'));
  const children: ChildProcess[] = [];
  const stop = () => children.forEach((c) => c.kill('SIGTERM'));
  process.on('exit', stop);
  try {
    const natsPort = await freePort();
    const natsBin = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => fs.existsSync(p)) ?? 'nats-server';
    children.push(spawn(natsBin, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', path.join(dir, 'nats')], { stdio: 'ignore' }));
    await waitFor(async () => new Promise<boolean>((r) => net.connect(natsPort, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); r(true); }).on('error', () => r(false))), 'nats-server');
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    children.push(
      // BENCH_GALLEY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles Galley during the run.
      spawn(process.execPath, [...(process.env['BENCH_GALLEY_NODE_ARGS'] ?? '').split(' ').filter(Boolean), path.join(galleyDir, 'bin', 'mesh-galley.js')], {
        stdio: 'ignore',
        env: { ...process.env, MESH_NATS_URL: `nats://127.0.0.1:${natsPort}`, MESH_GALLEY_API_PORT: String(apiPort), MESH_GALLEY_API_HOST: '127.0.0.1', MESH_ADMIN_PORT: String(adminPort), MESH_GALLEY_ANONYMOUS: 'true', MESH_LOG_LEVEL: 'warn' },
      }),
    );
    await waitFor(async () => (await request(adminPort, 'GET', '/healthz/ready')).status === 200, 'Galley');
    const [natsPid, galleyPid] = [children[0]!.pid, children[1]!.pid];
    /** CPU µs per resource of Galley and of nats-server since `mark()`, for `n` resources. */
    let marked = { galley: 0, nats: 0 };
    const mark = () => (marked = { galley: cpuMs(galleyPid), nats: cpuMs(natsPid) });
    const cpuPer = (n: number) => `Galley ${Math.round(((cpuMs(galleyPid) - marked.galley) * 1000) / n)} µs, nats-server ${Math.round(((cpuMs(natsPid) - marked.nats) * 1000) / n)} µs CPU per resource`;

    // Every stored change is published; the bench counts what arrives, so "published" is measured, not assumed.
    const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}` });
    let events = 0;
    nc.subscribe(CONFIG_EVENTS_SUBJECT, { callback: () => void events++ });
    await nc.flush();
    const published = async (n: number): Promise<number> => {
      const t = performance.now();
      await waitFor(async () => events >= n, `${n} config events`, 30_000);
      return performance.now() - t;
    };
    const ns = (i: number) => `bench-${i % 10}`;
    const expect = (r: { status: number; body: string }, code: number, what: string) => {
      if (r.status !== code) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    };

    // Warm-up (JIT, connections, ajv) outside the measurements.
    await load(500, CLIENTS, async (i) => expect(await request(apiPort, 'POST', `/apis/networking.istio.io/v1alpha3/namespaces/warmup/virtualservices`, JSON.stringify(vs(`w${i}`))), 201, 'warm-up'));

    const results: Array<[string, string]> = [];
    const rates: number[] = [];
    let p99 = Number.NaN;
    if (PHASES.has('create')) {
      // 1. Creates: one resource per POST (what `kubectl apply` does for a new object).
      events = 0;
      mark();
      const creates = await load(RESOURCES, CLIENTS, async (i) => expect(await request(apiPort, 'POST', `/apis/networking.istio.io/v1alpha3/namespaces/${ns(i)}/virtualservices`, JSON.stringify(vs(`vs-${i}`))), 201, 'create'));
      const createDrain = await published(RESOURCES);
      const createRate = RESOURCES / ((creates.ms + createDrain) / 1000);
      rates.push(createRate);
      results.push([`create (POST), ${CLIENTS} clients`, `${Math.round(createRate)} resources/s (p50 ${percentile(creates.latencies, 50).toFixed(1)} ms, p99 ${percentile(creates.latencies, 99).toFixed(1)} ms; ${cpuPer(RESOURCES)})`]);
    }
    if (PHASES.has('update')) {
      // 2. Updates: one merge patch per resource (what `kubectl apply` does for a changed object).
      events = 0;
      mark();
      const patches = await load(RESOURCES, CLIENTS, async (i) =>
        expect(
          await request(apiPort, 'PATCH', `/apis/networking.istio.io/v1alpha3/namespaces/${ns(i)}/virtualservices/vs-${i}`, JSON.stringify({ spec: { http: [{ route: [{ destination: { host: `vs-${i}.bench.svc.cluster.local`, subset: 'v2' }, weight: 100 }] }] } }), 'application/merge-patch+json'),
          200,
          'patch',
        ),
      );
      const patchDrain = await published(RESOURCES);
      const patchRate = RESOURCES / ((patches.ms + patchDrain) / 1000);
      rates.push(patchRate);
      results.push([`update (PATCH merge), ${CLIENTS} clients`, `${Math.round(patchRate)} resources/s (p50 ${percentile(patches.latencies, 50).toFixed(1)} ms, p99 ${percentile(patches.latencies, 99).toFixed(1)} ms; ${cpuPer(RESOURCES)})`]);
    }
    if (PHASES.has('apply')) {
      // 3. Atomic multi-document apply: batches of BATCH documents (the CI endpoint), configuring every object.
      events = 0;
      mark();
      const batches = Math.ceil(RESOURCES / BATCH);
      const applies = await load(batches, Math.min(CLIENTS, 4), async (b) => {
        const docs = Array.from({ length: BATCH }, (_, k) => b * BATCH + k).filter((i) => i < RESOURCES).map((i) => ({ ...vs(`vs-${i}`, 'v3'), metadata: { name: `vs-${i}`, namespace: ns(i), labels: { app: 'bench' } } }));
        expect(await request(apiPort, 'POST', '/apis/galley.mesh.io/v1/apply', docs.map((d) => JSON.stringify(d)).join('\n---\n'), 'application/yaml'), 200, 'apply');
      });
      const applyDrain = await published(RESOURCES);
      const applyRate = RESOURCES / ((applies.ms + applyDrain) / 1000);
      rates.push(applyRate);
      results.push([`atomic apply (${BATCH} documents per request), ${Math.min(CLIENTS, 4)} clients`, `${Math.round(applyRate)} resources/s (p50 ${percentile(applies.latencies, 50).toFixed(1)} ms, p99 ${percentile(applies.latencies, 99).toFixed(1)} ms per batch; ${cpuPer(RESOURCES)})`]);
    }
    if (PHASES.has('single')) {
      // 4. Single-apply latency: one client, one resource per request, create then update, on a store holding RESOURCES objects.
      const single = await load(LATENCY_SAMPLES, 1, async (i) => {
        const url = `/apis/networking.istio.io/v1alpha3/namespaces/latency/virtualservices`;
        if (i % 2 === 0) expect(await request(apiPort, 'POST', url, JSON.stringify(vs(`l-${i}`))), 201, 'latency create');
        else expect(await request(apiPort, 'PATCH', `${url}/l-${i - 1}`, JSON.stringify({ metadata: { labels: { n: String(i) } } }), 'application/merge-patch+json'), 200, 'latency patch');
      });
      const p50 = percentile(single.latencies, 50);
      p99 = percentile(single.latencies, 99);
      results.push(['single apply, 1 client (create or merge patch)', `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${single.latencies[single.latencies.length - 1]!.toFixed(1)} ms`]);
    }
    await nc.close();

    const out = process.stdout;
    out.write(`\nGalley apply benchmark: ${RESOURCES} resources, ${CLIENTS} clients, ${os.cpus().length} CPUs, node ${process.version}\n\n`);
    out.write('| measurement | result |\n|---|---|\n');
    for (const [k, v] of results) out.write(`| ${k} | ${v} |\n`);
    const rate = rates.length > 0 ? Math.min(...rates) : Number.NaN;
    out.write(`\ngoal >= ${GOAL_RATE} resources/s: ${rate >= GOAL_RATE ? 'met' : 'NOT met'} (${Math.round(rate)}); goal p99 <= ${GOAL_P99_MS} ms: ${p99 <= GOAL_P99_MS ? 'met' : 'NOT met'} (${p99.toFixed(2)} ms)\n`);
  } finally {
    stop();
    agent.destroy();
    await new Promise((r) => setTimeout(r, 300));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`galley-apply bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
