/**
 * Mixer benchmark (issue 7). A `mesh-mixer` process (the real bin) follows Istio's standard
 * telemetry config (the prometheus handler with requestcount / requestduration / requestsize /
 * responsesize, from the conformance corpus) and a policy config (denier + listchecker rules) from
 * a real nats-server, as Galley stores it. Then:
 *
 * 1. Report load: a separate load process sends Reports as sidecars do — batches of 100 bags,
 *    delta-encoded compressed attributes, each mesh request reported twice (client-side and
 *    server-side sidecar) — at a fixed mesh-wide rate. Mixer's CPU (utime + stime from
 *    /proc/<pid>/stat, cross-checked with `mixer_process_cpu_seconds_total` on its /metrics) over
 *    the steady-state window ÷ rate = vCPU per 1,000 rps.
 * 2. Check on a cache miss, as a sidecar experiences it: the sidecar's own Check client, one call
 *    at a time, attributes that Mixer's rules read differ per call (so no answer can come from the
 *    sidecar's cache: cacheHits is reported and must be 0); on an idle Mixer (before the load) and
 *    while Mixer ingests the Report load above; two runs each. Every call is paired with one to a
 *    gRPC server that does nothing (the machine's floor for a round trip) and one through a plain
 *    grpc-js client, alternating, so all three see the same contention; plus Mixer's own share,
 *    in-process. Each figure comes with the load average during its run.
 *
 * Run from the repository root after `pnpm build`: `node bench/mixer-bench.cjs [--rps 1000] [--seconds 20] [--checks 5000]`.
 * Goals: ≤ 0.06 vCPU per 1,000 rps of reported traffic; Check p99 ≤ 1 ms.
 */
import { spawn, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkInProcess, checkLatency, floorServerMain, loadAvg } from './mixer-bench-check.js';
import type { Latency } from './mixer-bench-check.js';

const ROOT = fs.existsSync(path.join(__dirname, '..', 'packages')) ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', '..');
const LAUNCHER = __filename.endsWith('.ts') ? path.join(__dirname, 'mixer-bench.cjs') : __filename;
// Modules resolve from Mixer's package (the bench has no dependencies of its own).
const mixerRequire = createRequire(path.join(ROOT, 'packages', 'mixer', 'package.json'));
const CORPUS = '/work/shared/conformance/istio';
const children: ChildProcess[] = [];

/* eslint-disable @typescript-eslint/no-explicit-any -- modules loaded at run time from Mixer's package */
type Any = any;
const sharedApi = (): Any => mixerRequire('@mesh/shared-api');
const grpcJs = (): Any => mixerRequire('@grpc/grpc-js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Config objects from the corpus, as Galley stores them in the KV bucket. */
function corpusObjects(file: string): Array<{ key: string; value: string }> {
  const { parseAllDocuments } = mixerRequire('yaml') as Any;
  const api = sharedApi();
  const text = fs.readFileSync(path.join(CORPUS, file), 'utf8').replace(/"ratings"/g, '"shipping-service"').replace(/"reviews"/g, '"booking-service"');
  return parseAllDocuments(text)
    .map((d: Any) => d.toJSON())
    .filter((o: Any) => o && o.kind)
    .map((o: Any) => {
      const ns = o.metadata.namespace ?? 'default';
      const kind = api.kindByApiVersion(o.apiVersion, o.kind);
      return { key: api.configKey(kind, ns, o.metadata.name), value: JSON.stringify({ ...o, metadata: { ...o.metadata, namespace: ns } }) };
    });
}

const WORKLOADS = [
  { app: 'booking-service', version: 'v1' },
  { app: 'inventory-service', version: 'v1' },
  { app: 'shipping-service', version: 'v1' },
  { app: 'shipping-service', version: 'v2' },
];

/** The attribute bag a sidecar reports for one request (Istio 1.4 vocabulary). */
function reportBag(i: number, reporter: 'inbound' | 'outbound'): Record<string, unknown> {
  const api = sharedApi();
  const src = WORKLOADS[0]!;
  const dst = WORKLOADS[1 + (i % 3)]!;
  const now = new Date();
  return {
    'context.protocol': 'http',
    'context.reporter.kind': reporter,
    'context.reporter.uid': `kubernetes://${reporter === 'inbound' ? dst.app : src.app}-${dst.version}.default`,
    'context.time': now,
    'request.id': `${process.pid}-${i}-${reporter}`,
    'request.host': dst.app,
    'request.method': 'GET',
    'request.path': '/api/v1/quote',
    'request.url_path': '/api/v1/quote',
    'request.size': 0n,
    'request.total_size': 0n,
    'request.time': now,
    'request.useragent': 'node',
    'response.code': i % 50 === 0 ? 503n : 200n,
    'response.size': BigInt(200 + (i % 7)),
    'response.total_size': BigInt(300 + (i % 7)),
    'response.duration': api.durationMs(1 + (i % 40) / 4),
    'response.time': now,
    'source.workload.name': `${src.app}-${src.version}`,
    'source.workload.namespace': 'default',
    'source.namespace': 'default',
    'source.labels': { app: src.app, version: src.version },
    'source.principal': 'cluster.local/ns/default/sa/booking',
    'destination.workload.name': `${dst.app}-${dst.version}`,
    'destination.workload.namespace': 'default',
    'destination.namespace': 'default',
    'destination.labels': { app: dst.app, version: dst.version },
    'destination.principal': 'cluster.local/ns/default/sa/backend',
    'destination.service.name': dst.app,
    'destination.service.namespace': 'default',
    'destination.service.host': `${dst.app}.default.svc.cluster.local`,
  };
}

function mixerClient(port: number): Any {
  const grpc = grpcJs();
  const api = sharedApi();
  const Ctor = grpc.makeGenericClientConstructor(api.loadMixerPackageDefinition()[api.GrpcServices.mixer], 'Mixer');
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** The load process: Reports of `rps` mesh requests per second (2 bags each), 100 bags per call, until told to stop. */
async function loadMain(): Promise<void> {
  const port = arg('port', 0);
  const rps = arg('rps', 1000);
  const api = sharedApi();
  const client = mixerClient(port);
  const bagsPerSecond = rps * 2;
  const batch = 100;
  const intervalMs = (batch / bagsPerSecond) * 1000;
  let i = 0;
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let stop = false;
  process.once('message', () => (stop = true));
  const start = Date.now();
  const end = start + 600_000; // a cap: the parent stops the load when its phases are done
  for (let next = start; next < end && !stop; next += intervalMs) {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const bags: Record<string, unknown>[] = [];
    for (let k = 0; k < batch / 2; k++, i++) bags.push(reportBag(i, 'outbound'), reportBag(i, 'inbound'));
    const req = api.encodeReportRequest(bags);
    inFlight++;
    client.Report(req, { deadline: Date.now() + 5000 }, (err: Error | null) => {
      inFlight--;
      if (err) {
        if (failed === 0) process.stderr.write(`first Report failure: ${err.message}\n`);
        failed += bags.length;
      }
      else sent += bags.length;
    });
  }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  client.close();
  process.send!({ sent, failed, seconds: (Date.now() - start) / 1000 });
}

async function main(): Promise<void> {
  const rps = arg('rps', 1000);
  const seconds = arg('seconds', 20);
  const checks = arg('checks', 5000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mixer-bench-'));
  const natsPort = await freePort();
  const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', path.join(tmp, 'nats')], { stdio: 'ignore' });
  children.push(nats);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const { connect } = mixerRequire('@nats-io/transport-node') as Any;
  const { Kvm } = mixerRequire('@nats-io/kv') as Any;
  let nc: Any;
  await waitFor('nats-server', async () => {
    nc = await connect({ servers: natsUrl, timeout: 1000 });
    return true;
  });
  const kv = await new Kvm(nc).create(sharedApi().CONFIG_BUCKET, { history: 1 });
  const objects = [
    ...corpusObjects('mixer-testdata-prometheus.yaml'),
    ...corpusObjects('mixer-testdata-metrics.yaml'),
    ...corpusObjects('bookinfo-policy-mixer-rule-deny-label.yaml'),
    ...corpusObjects('bookinfo-policy-mixer-rule-deny-whitelist.yaml'),
  ];
  for (const o of objects) await kv.put(o.key, o.value);

  const grpcPort = await freePort();
  const adminPort = await freePort();
  const mixerBin = path.join(ROOT, 'packages', 'mixer', 'bin', 'mesh-mixer.js');
  // MIXER_BENCH_CPU_PROF=<dir>: write a --cpu-prof of Mixer there (on its SIGTERM at the end).
  const prof = process.env['MIXER_BENCH_CPU_PROF'];
  // MIXER_BENCH_NODE_FLAGS: Node/V8 flags for Mixer (e.g. "--max-semi-space-size=32").
  const nodeFlags = (process.env['MIXER_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const mixer = spawn(process.execPath, [...nodeFlags, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), mixerBin], {
    env: { ...process.env, MESH_NATS_URL: natsUrl, MESH_MIXER_GRPC_PORT: String(grpcPort), MESH_ADMIN_PORT: String(adminPort), MESH_MIXER_ADAPTER_METRICS_PORT: '0', MESH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', fs.openSync(path.join(tmp, 'mixer.log'), 'a'), fs.openSync(path.join(tmp, 'mixer.log'), 'a')],
  });
  children.push(mixer);
  await waitFor('Mixer ready with its config', async () => {
    const c = (await (await fetch(`http://127.0.0.1:${adminPort}/debug/config`)).json()) as { rules: unknown[] };
    return c.rules.length >= 3;
  });

  // The floor server: a gRPC server that answers at once, for the paired measurement (see checkLatency).
  const floorServer = fork(LAUNCHER, ['--floor-server'], { stdio: 'inherit' });
  children.push(floorServer);
  const floorAddress = `127.0.0.1:${await new Promise<number>((resolve) => floorServer.once('message', (m) => resolve(m as number)))}`;
  const mixerAddress = `127.0.0.1:${grpcPort}`;

  // 1. Check on an idle Mixer (config loaded, no traffic yet).
  const idle = [await checkLatency(mixerAddress, floorAddress, checks, 0), await checkLatency(mixerAddress, floorAddress, checks, 1_000_000)];

  // 2. Report load: 3 s warm-up (not measured), then the measured CPU window, then Checks while the load goes on.
  const load = fork(LAUNCHER, ['--load', '--port', String(grpcPort), '--rps', String(rps)], { stdio: 'inherit' });
  children.push(load);
  const done = new Promise<{ sent: number; failed: number; seconds: number }>((resolve) => load.once('message', (m) => resolve(m as never)));
  await new Promise((r) => setTimeout(r, 3000));
  const cpu0 = cpuSeconds(mixer.pid!);
  const t0 = Date.now();
  const metricCpu = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('mixer_process_cpu_seconds_total'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  const m0 = await metricCpu();
  const cpuLoad0 = loadAvg();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu1 = cpuSeconds(mixer.pid!);
  const m1 = await metricCpu();
  const window = (Date.now() - t0) / 1000;
  const cpuLoad = `${cpuLoad0} → ${loadAvg()}`;
  const busy = [await checkLatency(mixerAddress, floorAddress, checks, 2_000_000), await checkLatency(mixerAddress, floorAddress, checks, 3_000_000)];
  load.send('stop');
  const result = await done;
  const vcpu = (cpu1 - cpu0) / window;
  const promText = await (await fetch(`http://127.0.0.1:${adminPort}/adapters/metrics`)).text();
  const counted = promText
    .split('\n')
    .filter((l) => l.startsWith('istio_requests_total{'))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

  floorServer.kill('SIGTERM');

  // 3. Mixer's own share, in-process.
  const inside = await checkInProcess(objects, checks);

  const ms = (l: Latency): Record<string, unknown> => ({ p50Ms: Number(l.p50.toFixed(3)), p90Ms: Number(l.p90.toFixed(3)), p99Ms: Number(l.p99.toFixed(3)), maxMs: Number(l.max.toFixed(2)), denied: l.denied, cacheHits: l.cacheHits, loadAverage: l.load });
  const out = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    report: {
      meshRps: rps,
      bagsPerSecond: rps * 2,
      bagsSent: result.sent,
      bagsFailed: result.failed,
      requestsCountedByPrometheusAdapter: counted,
      mixerCpuSecondsPerSecond: Number(vcpu.toFixed(4)),
      vcpuPer1000Rps: Number(((vcpu * 1000) / rps).toFixed(4)),
      crossCheckFromMetrics: Number((((m1 - m0) / window) * (1000 / rps)).toFixed(4)),
      loadAverage: cpuLoad,
      goal: '≤ 0.06 vCPU per 1,000 rps',
    },
    checkCacheMiss: {
      callsPerRun: checks,
      client: "the sidecar's MixerChecker (mixer, floorNoopGrpcServer) and a grpc-js client (mixerViaGrpcJsClient), one call at a time, paired, unique attributes",
      idleMixer: idle.map((r) => Object.fromEntries(Object.entries(r).map(([k, l]) => [k, ms(l)]))),
      whileReporting: { meshRps: rps, runs: busy.map((r) => Object.fromEntries(Object.entries(r).map(([k, l]) => [k, ms(l)]))) },
      insideMixer: { p50Ms: Number(inside.p50.toFixed(3)), p99Ms: Number(inside.p99.toFixed(3)) },
      goal: 'p99 ≤ 1 ms',
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  await nc.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

function cleanup(): void {
  // Mixer first (it drains and writes its profile), nats-server after it.
  for (const c of [...children].reverse()) if (c.exitCode === null) c.kill('SIGTERM');
}

if (process.argv.includes('--floor-server')) {
  floorServerMain().catch((err: unknown) => {
    process.stderr.write(`floor server: ${String(err)}\n`);
    process.exit(1);
  });
} else if (process.argv.includes('--load')) {
  loadMain().catch((err: unknown) => {
    process.stderr.write(`load: ${String(err)}\n`);
    process.exit(1);
  });
} else {
  main()
    .catch((err: unknown) => {
      process.stderr.write(`mixer-bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
