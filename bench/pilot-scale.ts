/**
 * Pilot scale benchmark (run by hand, not in the suite). A Pilot process on a real nats-server
 * serves N simulated sidecars on real gRPC ADS streams, opened by a separate load process; the
 * mesh has S services (two workloads each, v1 and v2, registered by the sidecars' node metadata)
 * in namespaces of 50, each service with a DestinationRule (two subsets) and a VirtualService.
 *
 * Measured:
 *  - config push: a VirtualService change written into the KV bucket (as Galley writes it) until
 *    every affected proxy has ACKed the new RouteConfiguration — per proxy (p50, p99) and per write
 *    until the last affected proxy ACKed (p50, p99);
 *  - endpoint churn: WorkloadEntry address changes at a fixed rate cause EDS pushes only;
 *  - Pilot's RSS (peak) and CPU (average and during the push phase).
 *
 *   tsc -p bench/tsconfig.json && node bench/dist/pilot-scale.js
 *   BENCH_SERVICES=1000 BENCH_PROXIES=2000 BENCH_WRITES=30 BENCH_CHURN_RATE=50 BENCH_SCOPED=1 ...
 *
 * BENCH_SCOPED=1 (default) gives each namespace a Sidecar (egress `./*`), as large Istio meshes do;
 * BENCH_SCOPED=0 lets every proxy see the whole mesh. Goals: p99 <= 1 s, RSS <= 500 MB.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SERVICES = Number(process.env['BENCH_SERVICES'] ?? 1000);
const PROXIES = Number(process.env['BENCH_PROXIES'] ?? 2000);
const WRITES = Number(process.env['BENCH_WRITES'] ?? 30);
const CHURN_RATE = Number(process.env['BENCH_CHURN_RATE'] ?? 50);
const CHURN_SECONDS = Number(process.env['BENCH_CHURN_SECONDS'] ?? 20);
const SCOPED = (process.env['BENCH_SCOPED'] ?? '1') !== '0';
const PER_NAMESPACE = 50;
const NAMESPACES = Math.ceil(SERVICES / PER_NAMESPACE);

// The bench lives outside the workspace packages: Pilot's own dependencies are resolved through it.
const pilotDir = path.dirname(require.resolve('@mesh/pilot/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time through Pilot's own dependencies
const fromPilot = <T>(id: string): T => require(require.resolve(id, { paths: [pilotDir] })) as T;

interface Writer {
  put(kind: string, namespace: string, name: string, spec: object): Promise<number>;
  close(): Promise<void>;
}
interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

const nsOf = (i: number): string => `ns${Math.floor(i / PER_NAMESPACE)}`;
const svcOf = (i: number): string => `svc${i}`;

/** Per-proxy description the load process opens a stream for. */
export interface SimProxy {
  id: string;
  ns: string;
  meta: Record<string, unknown>;
}

function simProxies(): SimProxy[] {
  return Array.from({ length: PROXIES }, (_v, p) => {
    const svc = p % SERVICES;
    const version = p < SERVICES ? 'v1' : 'v2';
    const ip = `10.${Math.floor(p / 250)}.${p % 250}.1`;
    const ns = nsOf(svc);
    return {
      id: `sidecar~${ip}~${svcOf(svc)}-${version}.${ns}~${ns}.svc.cluster.local`,
      ns,
      meta: {
        NAMESPACE: ns,
        LABELS: { app: svcOf(svc), version },
        SERVICE_ACCOUNT: svcOf(svc),
        INSTANCE_IPS: ip,
        WORKLOAD_NAME: `${svcOf(svc)}-${version}`,
        MESH_SERVICE: svcOf(svc),
        MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 8080, protocol: 'HTTP' }],
      },
    };
  });
}

const virtualService = (i: number, v1: number): object => ({
  hosts: [svcOf(i)],
  http: [{ route: [{ destination: { host: svcOf(i), subset: 'v1' }, weight: v1 }, { destination: { host: svcOf(i), subset: 'v2' }, weight: 100 - v1 }], timeout: '5s' }],
});

/** `ps`-free process sampling from /proc: resident memory (MB) and CPU seconds (user + system). */
function sample(pid: number): { rssMb: number; cpuS: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: rssKb / 1024, cpuS: ticks / 100 };
}

/** Pilot's own view of its memory (MB) from its /metrics: V8 heap used and reserved, and external (Buffers, native). */
async function heapOf(adminPort: number): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number }> {
  const text = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text(), () => '');
  const read = (name: string): number => Math.round(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20);
  return { heapUsedMb: read('nodejs_heap_size_used_bytes'), heapTotalMb: read('nodejs_heap_size_total_bytes'), externalMb: read('nodejs_external_memory_bytes') };
}

/** The 1-minute load average, rounded (the machine may be shared with other work). */
const loadAvg = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};

/** The load process's side of the IPC conversation. */
type LoadMessage =
  | { type: 'synced'; ms: number; reconnects: number }
  | { type: 'acks'; since: number; acks: { proxy: number; at: number }[] }
  | { type: 'counts'; counts: Record<string, number>; reconnects: number };

function request(load: ChildProcess, msg: object): Promise<LoadMessage> {
  return new Promise((resolve) => {
    load.once('message', (m) => resolve(m as LoadMessage));
    load.send(msg);
  });
}

/** Waits until the proxies received nothing for two seconds (the mesh converged). */
async function quiet(load: ChildProcess): Promise<void> {
  let last = JSON.stringify(((await request(load, { type: 'counts' })) as Extract<LoadMessage, { type: 'counts' }>).counts);
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = JSON.stringify(((await request(load, { type: 'counts' })) as Extract<LoadMessage, { type: 'counts' }>).counts);
    if (now === last) return;
    last = now;
  }
}

async function main(): Promise<void> {
  const { NatsServerProcess, freePort } = fromPilot<{ NatsServerProcess: { start(): Promise<NatsServer> }; freePort(): Promise<number> }>('@mesh/runtime/testing');
  const { ConfigBucketWriter } = fromPilot<{ ConfigBucketWriter: { connect(url: string): Promise<Writer> } }>('@mesh/pilot/testing');
  const log = (m: string): void => void process.stdout.write(`${new Date().toISOString()} ${m}\n`);

  const loadStart = loadAvg();
  log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const nats = await NatsServerProcess.start();
  const writer = await ConfigBucketWriter.connect(nats.url);
  log(`config: ${SERVICES} services in ${NAMESPACES} namespaces, ${SCOPED ? 'a Sidecar per namespace' : 'no Sidecar'}`);
  for (let i = 0; i < SERVICES; i++) {
    await writer.put('DestinationRule', nsOf(i), svcOf(i), { host: svcOf(i), subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    await writer.put('VirtualService', nsOf(i), svcOf(i), virtualService(i, 90));
  }
  for (let n = 0; n < NAMESPACES; n++) {
    if (SCOPED) await writer.put('Sidecar', `ns${n}`, 'default', { egress: [{ hosts: ['./*', 'istio-system/*'] }] });
    await writer.put('ServiceEntry', `ns${n}`, 'vm', { hosts: [`vm.ns${n}.internal`], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'vm' } } });
    for (let w = 0; w < 5; w++) await writer.put('WorkloadEntry', `ns${n}`, `vm-${w}`, { address: `192.168.${n}.${w + 1}`, labels: { app: 'vm' }, serviceAccount: 'vm' });
  }

  const [xdsPort, adminPort] = [await freePort(), await freePort()];
  const nodeArgs = (process.env['BENCH_PILOT_NODE_ARGS'] ?? '').split(' ').filter((a) => a);
  const pilot = spawn(process.execPath, [...nodeArgs, path.join(pilotDir, 'bin', 'mesh-pilot.js')], {
    env: { ...process.env, MESH_NATS_URL: nats.url, MESH_PILOT_XDS_PORT: String(xdsPort), MESH_PILOT_XDS_HOST: '127.0.0.1', MESH_ADMIN_PORT: String(adminPort), MESH_ADMIN_HOST: '127.0.0.1', MESH_LOG_LEVEL: process.env['BENCH_PILOT_LOG_LEVEL'] ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  while (!(await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`).then((r) => r.ok, () => false))) await new Promise((r) => setTimeout(r, 100));
  const pid = pilot.pid!;
  const start = sample(pid);
  let peakRss = start.rssMb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, sample(pid).rssMb)), 200);
  log(`pilot ready (pid ${pid}, RSS ${start.rssMb.toFixed(0)} MB)`);

  const proxies = simProxies();
  const loadArgs = (process.env['BENCH_LOAD_NODE_ARGS'] ?? '').split(' ').filter((a) => a);
  const load = spawn(process.execPath, [...loadArgs, path.join(__dirname, 'pilot-scale-load.js')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const synced = (await request(load, { type: 'start', target: `127.0.0.1:${xdsPort}`, proxies })) as Extract<LoadMessage, { type: 'synced' }>;
  const afterConnect = sample(pid);
  const heapAfterConnect = await heapOf(adminPort);
  log(`${PROXIES} proxies connected and ACKed CDS/EDS/LDS/RDS in ${synced.ms} ms (${synced.reconnects} reconnects); Pilot RSS ${afterConnect.rssMb.toFixed(0)} MB (${JSON.stringify(heapAfterConnect)})`);
  await quiet(load);

  // Config pushes: one VirtualService change at a time; the proxies that see the service must ACK new RDS.
  const perProxy: number[] = [];
  const perWrite: number[] = [];
  const cpuBefore = sample(pid).cpuS;
  const pushStarted = Date.now();
  for (let w = 0; w < WRITES; w++) {
    const svc = (w * 37) % SERVICES;
    const affected = proxies.map((p, i) => (SCOPED ? (p.ns === nsOf(svc) ? i : -1) : i)).filter((i) => i >= 0);
    const affectedSet = new Set(affected);
    const t0 = Date.now();
    await writer.put('VirtualService', nsOf(svc), svcOf(svc), virtualService(svc, w % 2 === 0 ? 50 : 90));
    let acked = new Map<number, number>();
    const deadline = t0 + 30_000;
    while (acked.size < affected.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      const r = (await request(load, { type: 'acks', since: t0, kind: 'RouteConfiguration' })) as Extract<LoadMessage, { type: 'acks' }>;
      acked = new Map(r.acks.filter((a) => affectedSet.has(a.proxy)).map((a) => [a.proxy, a.at]));
    }
    const lat = affected.map((i) => (acked.get(i) ?? deadline) - t0);
    perProxy.push(...lat);
    perWrite.push(Math.max(...lat));
    await new Promise((r) => setTimeout(r, 300));
  }
  const pushCpu = sample(pid).cpuS - cpuBefore;
  const loadPush = loadAvg();
  const pushWall = (Date.now() - pushStarted) / 1000;
  log(`config push: per proxy p50 ${percentile(perProxy, 50)} ms p99 ${percentile(perProxy, 99)} ms; all affected ACKed p50 ${percentile(perWrite, 50)} ms p99 ${percentile(perWrite, 99)} ms`);

  // Endpoint churn: WorkloadEntry moves at CHURN_RATE/s must cause EDS pushes only.
  await quiet(load);
  await request(load, { type: 'reset-counts' });
  const churnCpuBefore = sample(pid).cpuS;
  const churnStart = Date.now();
  let changes = 0;
  while (Date.now() - churnStart < CHURN_SECONDS * 1000) {
    const n = changes % NAMESPACES;
    const w = Math.floor(changes / NAMESPACES) % 5;
    await writer.put('WorkloadEntry', `ns${n}`, `vm-${w}`, { address: `192.168.${n}.${100 + (changes % 100)}`, labels: { app: 'vm' }, serviceAccount: 'vm' });
    changes++;
    const due = churnStart + (changes * 1000) / CHURN_RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const churnCpu = sample(pid).cpuS - churnCpuBefore;
  const counts = ((await request(load, { type: 'counts' })) as Extract<LoadMessage, { type: 'counts' }>).counts;
  log(`churn: ${changes} WorkloadEntry changes in ${CHURN_SECONDS} s → responses by type ${JSON.stringify(counts)}`);

  clearInterval(sampler);
  const end = sample(pid);
  const summary = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`,
    // The machine is shared: the 1-minute load average at the start, during the writes and at the end.
    loadAverage: { start: loadStart, pushPhase: loadPush, end: loadAvg() },
    services: SERVICES,
    proxies: PROXIES,
    scoped: SCOPED,
    connectAllMs: synced.ms,
    writes: WRITES,
    perProxyP50Ms: percentile(perProxy, 50),
    perProxyP99Ms: percentile(perProxy, 99),
    allAckedP50Ms: percentile(perWrite, 50),
    allAckedP99Ms: percentile(perWrite, 99),
    allAckedMaxMs: Math.max(...perWrite),
    // Every write's "last affected proxy ACKed", in write order (a slow write shows where it fell).
    allAckedPerWriteMs: perWrite,
    pushPhaseCpuPct: Math.round((100 * pushCpu) / pushWall),
    churnChanges: changes,
    churnResponses: counts,
    churnCpuPct: Math.round((100 * churnCpu) / (CHURN_SECONDS + 2)),
    rssPeakMb: Math.round(peakRss),
    rssEndMb: Math.round(end.rssMb),
    rssAfterConnectMb: Math.round(afterConnect.rssMb),
    heapAfterConnect,
    heapEnd: await heapOf(adminPort),
    cpuTotalS: Math.round(end.cpuS - start.cpuS),
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  load.kill('SIGTERM');
  pilot.kill('SIGTERM');
  await new Promise((r) => pilot.once('exit', r));
  await writer.close();
  await nats.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
