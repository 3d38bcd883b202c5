/**
 * Sidecar benchmark (issue 5): 1 KB responses, direct vs one sidecar hop vs nginx (when installed),
 * at a fixed rate and at saturation. Reports latency percentiles (added per hop), the sidecar's CPU
 * time per request (from /proc/<pid>/stat) and its RSS. Run by hand: `node bench/sidecar-bench.cjs`.
 *
 * Processes: this one (orchestrator + in-process fake Pilot), the upstream, the sidecar
 * (`mesh-sidecar` bin, as deployed), the load generator (wrk when installed, else the open-loop
 * generator below, in its own process), and nginx as a reference proxy when installed.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { edsCluster, FakeAdsServer, istioHttpFilters, loadAssignment, outboundListener, rawRouteConfiguration, serviceDomains } from '@mesh/sidecar/testing';

// Runs from bench/ (through sidecar-bench.cjs) or compiled into bench/dist/ (bench/tsconfig.json).
const ROOT = fs.existsSync(path.join(__dirname, '..', 'packages')) ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', '..');
const LAUNCHER = __filename.endsWith('.ts') ? path.join(__dirname, 'sidecar-bench.cjs') : __filename;
const BODY = Buffer.alloc(1024, 'x');
const children: ChildProcess[] = [];

interface RunResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function listArg(name: string, fallback: string[]): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]!.split(',') : fallback;
}

function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Resident set size in MB, and its peak, from /proc/<pid>/status. */
function rss(pid: number): { now: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The load generator, run in a child process: `connections` keep-alive connections; at `rate` > 0
 * requests are started on an open-loop schedule and latency is measured from the scheduled time
 * (so queueing behind a slow response counts, no coordinated omission); at rate 0 every connection
 * sends its next request as soon as the last one finished (saturation).
 */
async function loadgen(opts: { port: number; host: string; rate: number; connections: number; seconds: number }): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies = new Float64Array(Math.max(1, Math.ceil((opts.rate || 50_000) * opts.seconds * 1.2)));
  let n = 0;
  let errors = 0;
  const one = (scheduled: bigint) =>
    new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: opts.port, path: '/bench', headers: { host: opts.host }, agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          else if (n < latencies.length) latencies[n++] = Number(process.hrtime.bigint() - scheduled) / 1e6;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const start = process.hrtime.bigint();
  const end = start + BigInt(opts.seconds * 1e9);
  const inflight = new Set<Promise<void>>();
  if (opts.rate > 0) {
    const interval = 1e9 / opts.rate;
    let sent = 0;
    while (process.hrtime.bigint() < end) {
      const due = Math.floor(Number(process.hrtime.bigint() - start) / interval);
      for (; sent <= due; sent++) {
        const p = one(start + BigInt(Math.round(sent * interval)));
        inflight.add(p);
        void p.then(() => inflight.delete(p));
      }
      await new Promise((r) => setImmediate(r));
    }
  } else {
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (process.hrtime.bigint() < end) await one(process.hrtime.bigint());
      }),
    );
  }
  await Promise.all(inflight);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  const sorted = latencies.slice(0, n).sort();
  return { requests: n, errors, seconds, rps: n / seconds, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[n - 1] ?? NaN };
}

/** wrk (closed loop; `rate` > 0 is approximated with a per-request delay script, as Debian's wrk has no -R). */
/**
 * One wrk run (asynchronous, so the RSS sampler keeps running). wrk is closed-loop: a fixed rate is
 * approximated with a per-connection delay (connections / rate), so the achieved rate falls below
 * the target by the response time; the achieved rate is reported.
 */
async function runWrk(wrk: string, opts: { port: number; host: string; rate: number; connections: number; seconds: number }): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrk-'));
  const script = path.join(dir, 'bench.lua');
  const delayMs = opts.rate > 0 ? (opts.connections * 1000) / opts.rate : 0;
  fs.writeFileSync(
    script,
    `wrk.headers["Host"] = "${opts.host}"\n${delayMs > 0 ? `function delay() return ${delayMs} end\n` : ''}done = function(summary, latency, requests)\n  io.write(string.format("RESULT %d %d %f %f %f %f %f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))\nend\n`,
  );
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(wrk, ['-t2', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${opts.port}/bench`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}`))));
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out)!;
  const [requests, errors, seconds, p50, p90, p99, max] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return { requests, errors, seconds, rps: requests / seconds, p50, p90, p99, max };
}

/** The pids of a process and its children (nginx: master and workers), from /proc. */
function processTree(pid: number): number[] {
  const kids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
  return [pid, ...kids.map(Number)];
}

function childRun(mode: 'loadgen', opts: object): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(LAUNCHER, [mode, JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as RunResult));
    child.once('error', reject);
  });
}

function upstreamServer(port: number): void {
  http
    .createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
        res.end(BODY);
      });
    })
    .listen(port, '127.0.0.1');
}

/**
 * The floor for any Node.js proxy: \`http.createServer\` + a keep-alive \`http.request\` + \`pipe\`, no
 * routing, no metrics. Measured in the same run, it separates Node's own HTTP cost from the sidecar's.
 */
function bareNodeProxy(listen: number, upstream: number): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  http
    .createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      req.pipe(up);
    })
    .listen(listen, '127.0.0.1');
}

async function startSidecar(pilot: string, ports: { out: number; inb: number; admin: number }, prof?: string): Promise<ChildProcess> {
  const extra = (process.env['SIDECAR_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const args = [...extra, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), path.join(ROOT, 'packages/sidecar/bin/mesh-sidecar.js')];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      MESH_SIDECAR_PILOT_ADDRESS: pilot,
      MESH_SIDECAR_OUTBOUND_PORT: String(ports.out),
      MESH_SIDECAR_INBOUND_PORT: String(ports.inb),
      MESH_ADMIN_PORT: String(ports.admin),
      // An outbound-only workload: no app label, so no inbound service.
      MESH_SIDECAR_LABELS: 'version=v1',
      MESH_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitForPort(ports.out);
  // Ready once the xDS config is applied.
  const deadline = Date.now() + 10_000;
  while ((await fetch(`http://127.0.0.1:${ports.admin}/ready`).then((r) => r.status).catch(() => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error('sidecar never became ready');
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function startNginx(nginx: string, listen: number, upstream: number): ChildProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-bench-'));
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  upstream u { server 127.0.0.1:${upstream}; keepalive 64; }\n  server {\n    listen 127.0.0.1:${listen};\n    location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n}\n`,
  );
  const child = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

async function main(): Promise<void> {
  const rate = arg('rate', 1000);
  const connections = arg('connections', 16);
  const seconds = arg('seconds', 20);
  const wrk = which('wrk');
  const nginx = which('nginx');
  const [upPort, out, inb, admin, nginxPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const upstream = fork(LAUNCHER, ['upstream', String(upPort)], { stdio: 'ignore' });
  children.push(upstream);
  await waitForPort(upPort);

  // Istio 1.4-shaped config: CORS + fault + router filters, the default retry policy, metrics on.
  const fqdn = 'bench.default.svc.cluster.local';
  const cluster = `outbound|80||${fqdn}`;
  const ads = new FakeAdsServer();
  await ads.start();
  ads.set('Cluster', [edsCluster(cluster)]);
  ads.set('ClusterLoadAssignment', [loadAssignment(cluster, [['127.0.0.1', upPort]])]);
  ads.set('Listener', [outboundListener(80, istioHttpFilters())]);
  const retry = { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,resource-exhausted,retriable-status-codes', num_retries: { value: 2 }, retriable_status_codes: [503], retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5' };
  ads.set('RouteConfiguration', [rawRouteConfiguration('80', [{ name: `${fqdn}:80`, domains: serviceDomains('bench', 'default', 80), routes: [{ match: { prefix: '/' }, route: { cluster, timeout: {}, retry_policy: retry } }] }])]);

  const sidecar = await startSidecar(ads.address, { out, inb, admin }, process.env['SIDECAR_BENCH_CPU_PROF']);
  await new Promise((r) => setTimeout(r, 500));
  const idleRss = rss(sidecar.pid!).now;
  const ng = nginx ? startNginx(nginx, nginxPort, upPort) : undefined;
  if (ng) await waitForPort(nginxPort);
  const barePort = await freePort();
  const bare = fork(LAUNCHER, ['bareproxy', String(barePort), String(upPort)], { stdio: 'ignore' });
  children.push(bare);
  await waitForPort(barePort);

  const load = (port: number, host: string, r: number) => {
    const opts = { port, host, rate: r, connections, seconds };
    return wrk ? runWrk(wrk, opts) : childRun('loadgen', opts);
  };
  const only = listArg('targets', ['direct', 'sidecar', 'node-proxy', 'nginx']);
  const targets = (
    [
      ['direct', upPort, `127.0.0.1:${upPort}`],
      ['sidecar', out, 'bench'],
      ['node-proxy', barePort, `127.0.0.1:${barePort}`],
      ...(ng ? ([['nginx', nginxPort, `127.0.0.1:${nginxPort}`]] as Array<[string, number, string]>) : []),
    ] as Array<[string, number, string]>
  ).filter(([name]) => only.includes(name));
  const results: Record<string, { fixed: RunResult; saturation: RunResult; cpuUsPerReq?: { fixed: number; saturation: number }; rssMb?: { fixed: number; peak: number } }> = {};
  for (const [name, port, host] of targets) {
    // Warm-up (JIT, connection pools), not measured.
    await load(port, host, rate).catch(() => undefined);
    // CPU is measured for the proxies: the sidecar, and nginx's master + worker as the reference.
    const pids = name === 'sidecar' ? [sidecar.pid!] : name === 'node-proxy' ? [bare.pid!] : name === 'nginx' && ng ? processTree(ng.pid!) : [];
    const cpuOf = () => pids.reduce((sum, p) => sum + cpuSeconds(p), 0);
    const pid = pids[0];
    let rssMax = 0;
    const sampler = pid ? setInterval(() => (rssMax = Math.max(rssMax, pids.reduce((sum, p) => sum + rss(p).now, 0))), 250) : undefined;
    const cpu0 = cpuOf();
    const fixed = await load(port, host, rate);
    const cpu1 = cpuOf();
    if (sampler) clearInterval(sampler);
    const saturation = listArg('modes', ['fixed', 'saturation']).includes('saturation') ? await load(port, host, 0) : fixed;
    const cpu2 = cpuOf();
    results[name] = {
      fixed,
      saturation,
      ...(pid ? { cpuUsPerReq: { fixed: ((cpu1 - cpu0) * 1e6) / fixed.requests, saturation: ((cpu2 - cpu1) * 1e6) / saturation.requests }, rssMb: { fixed: rssMax, peak: pids.reduce((sum, p) => sum + rss(p).peak, 0) } } : {}),
    };
  }

  const cpu = os.cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`,
    `Load generator: ${wrk ? `wrk (${wrk})` : 'bench/sidecar-bench.ts open-loop generator (wrk not installed)'}; nginx: ${nginx ?? 'not installed'}`,
    `Fixed rate: ${rate} rps over ${connections} keep-alive connections for ${seconds} s; saturation: ${connections} connections closed-loop for ${seconds} s; 1 KB responses; latency in ms.`,
    '',
    '| target | mode | rps | p50 | p90 | p99 | max | errors |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, r] of Object.entries(results)) {
    for (const mode of ['fixed', 'saturation'] as const) {
      const x = r[mode];
      lines.push(`| ${name} | ${mode} | ${x.rps.toFixed(0)} | ${fmt(x.p50)} | ${fmt(x.p90)} | ${fmt(x.p99)} | ${fmt(x.max)} | ${x.errors} |`);
    }
  }
  const d = results['direct'];
  const s = results['sidecar'];
  if (d && s) lines.push('', `Added by one sidecar hop at ${rate} rps: p50 ${fmt(s.fixed.p50 - d.fixed.p50)} ms, p90 ${fmt(s.fixed.p90 - d.fixed.p90)} ms, p99 ${fmt(s.fixed.p99 - d.fixed.p99)} ms`);
  if (d && results['nginx']) lines.push(`Added by nginx at ${rate} rps: p50 ${fmt(results['nginx'].fixed.p50 - d.fixed.p50)} ms, p90 ${fmt(results['nginx'].fixed.p90 - d.fixed.p90)} ms, p99 ${fmt(results['nginx'].fixed.p99 - d.fixed.p99)} ms`);
  if (s) lines.push(`Sidecar CPU per request: ${s.cpuUsPerReq!.fixed.toFixed(0)} µs at ${rate} rps, ${s.cpuUsPerReq!.saturation.toFixed(0)} µs at saturation (${s.saturation.rps.toFixed(0)} rps)`);
  if (s) lines.push(`Sidecar RSS: ${idleRss.toFixed(1)} MB idle (configured), ${s.rssMb!.fixed.toFixed(1)} MB max during the ${rate} rps run, ${s.rssMb!.peak.toFixed(1)} MB peak overall`);
  const b = results['node-proxy'];
  if (b?.cpuUsPerReq) lines.push(`Bare Node.js proxy CPU per request: ${b.cpuUsPerReq.fixed.toFixed(0)} µs at ${rate} rps, ${b.cpuUsPerReq.saturation.toFixed(0)} µs at saturation (${b.saturation.rps.toFixed(0)} rps); RSS ${b.rssMb!.fixed.toFixed(1)} MB`);
  if (s && b?.cpuUsPerReq) lines.push(`Sidecar CPU per request ÷ bare Node.js proxy's: ${(s.cpuUsPerReq!.fixed / b.cpuUsPerReq.fixed).toFixed(2)} at ${rate} rps, ${(s.cpuUsPerReq!.saturation / b.cpuUsPerReq.saturation).toFixed(2)} at saturation`);
  const n = results['nginx'];
  if (n?.cpuUsPerReq) lines.push(`nginx CPU per request (master + worker): ${n.cpuUsPerReq.fixed.toFixed(0)} µs at ${rate} rps, ${n.cpuUsPerReq.saturation.toFixed(0)} µs at saturation (${n.saturation.rps.toFixed(0)} rps); RSS ${n.rssMb!.fixed.toFixed(1)} MB`);
  if (s && n?.cpuUsPerReq) lines.push(`Sidecar CPU per request ÷ nginx's: ${(s.cpuUsPerReq!.fixed / n.cpuUsPerReq.fixed).toFixed(2)} at ${rate} rps, ${(s.cpuUsPerReq!.saturation / n.cpuUsPerReq.saturation).toFixed(2)} at saturation`);
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(ROOT, 'bench', 'sidecar-results.json'), JSON.stringify({ date: new Date().toISOString(), rate, connections, seconds, wrk: wrk ?? null, nginx: nginx ?? null, results }, null, 2));

  sidecar.kill('SIGTERM');
  ng?.kill('SIGTERM');
  bare.kill('SIGTERM');
  upstream.kill('SIGTERM');
  await new Promise((r) => sidecar.once('exit', r));
  await ads.stop();
}

const [mode, param] = process.argv.slice(2);
if (mode === 'upstream') upstreamServer(Number(param));
else if (mode === 'bareproxy') bareNodeProxy(Number(param), Number(process.argv[4]));
else if (mode === 'loadgen') {
  void loadgen(JSON.parse(param!) as Parameters<typeof loadgen>[0]).then((r) => {
    process.send!(r, () => process.exit(0));
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
  // Children die with the orchestrator, whatever ends it.
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });
}
