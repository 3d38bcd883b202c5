/**
 * Citadel signing benchmark: RSA-2048 workload certificates issued per second on one core (CSR
 * parse + signature check + certificate DER encoding + native RSA signature), against
 * `openssl speed -seconds 3 rsa2048` signatures/s measured in the same run; and the end-to-end
 * rate of a Citadel process over gRPC/TLS (CreateCertificate with a bootstrap token), per CPU
 * second of that process. Run after `pnpm build` (or `npx tsc -p packages/citadel/tsconfig.build.json`):
 *
 *   npx tsc -p bench/tsconfig.json && node bench/dist/citadel-sign.js
 *   BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_GRPC_CONCURRENCY=32 node bench/dist/citadel-sign.js
 *   BENCH_CITADEL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" ...   # profile the Citadel process
 *
 * Goal: the in-process rate >= 70 % of openssl's RSA-2048 sign rate.
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const GRPC_SECONDS = Number(process.env['BENCH_GRPC_SECONDS'] ?? 5);
const GRPC_CONCURRENCY = Number(process.env['BENCH_GRPC_CONCURRENCY'] ?? 32);
const CSRS = 64;
const GOAL = 0.7;
const TD = 'cluster.local';

/** The parts of @mesh/citadel the bench uses (the package's build output, resolved at run time). */
interface CitadelModule {
  generateRootKey(): Promise<KeyObject>;
  createSelfSignedRoot(o: { key: KeyObject; trustDomain: string }): string;
  CertificateAuthority: new (
    keys: { signingKey: KeyObject; signingCertPem: string; chainPems: string[]; rootCertPems: string[] },
    policy: { trustDomain: string; defaultTtlSeconds: number; maxTtlSeconds: number },
  ) => { signCsr(csrPem: string, ttl?: number): { ok: true; certChainPem: string[] } | { ok: false; message: string } };
}
interface CitadelTesting {
  makeTestCsr(identity: string): Promise<{ csrPem: string }>;
  testCertClient(address: string, rootCertPem: string): { close(): void };
  requestCertificate(client: unknown, req: { csr: string }, token?: string): Promise<string[]>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's build output, resolved at run time
const citadel = require('@mesh/citadel') as CitadelModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- idem
const testing = require('@mesh/citadel/testing') as CitadelTesting;
const citadelDir = path.dirname(require.resolve('@mesh/citadel/package.json'));

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (r: number): string => `${(r * 100).toFixed(1)} %`;

/**
 * Runs `fn` repeatedly for `seconds` on this thread; returns calls per CPU-second of this process
 * (user + system). openssl speed also divides by CPU time (unless -elapsed), so both figures are
 * per core and hold up on a machine other work is loading. A half-second warm-up first, so V8's
 * optimizing compiler (on other threads of this process) is done before the measured window.
 */
function rate(seconds: number, fn: (i: number) => void): number {
  const warm = Date.now() + 500;
  for (let i = 0; i < 20 || Date.now() < warm; i++) fn(i);
  let n = 0;
  const start = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) fn(n++);
  const used = process.cpuUsage(start);
  return n / ((used.user + used.system) / 1e6);
}

/** `openssl speed -seconds N rsa2048`: the sign/s column of the `rsa 2048 bits` line. */
function opensslSpeed(): number {
  const out = execFileSync('openssl', ['speed', '-seconds', String(SECONDS), 'rsa2048'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.split('\n');
  const header = lines.find((l) => /sign\/s/.test(l));
  const row = lines.find((l) => /^rsa\s+2048 bits/.test(l));
  if (!header || !row) throw new Error(`cannot read openssl speed output:\n${out}`);
  const col = header.trim().split(/\s+/).indexOf('sign/s');
  const values = row.replace(/^rsa\s+2048 bits\s+/, '').trim().split(/\s+/);
  return Number(values[col]);
}

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

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function endToEnd(): Promise<{ rate: number; perCpuSecond: number; cpu: number; issued: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citadel-bench-'));
  const adminToken = crypto.randomBytes(24).toString('hex');
  fs.writeFileSync(path.join(dir, 'admin-token'), adminToken, { mode: 0o600 });
  const [grpcPort, adminPort] = [await freePort(), await freePort()];
  const nodeArgs = (process.env['BENCH_CITADEL_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(citadelDir, 'bin', 'mesh-citadel.js')], {
    env: {
      ...process.env,
      MESH_CITADEL_STATE_DIR: path.join(dir, 'state'),
      MESH_CITADEL_ADMIN_TOKEN_FILE: path.join(dir, 'admin-token'),
      MESH_CITADEL_GRPC_PORT: String(grpcPort),
      MESH_CITADEL_GRPC_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: String(adminPort),
      MESH_ADMIN_HOST: '127.0.0.1',
      MESH_CITADEL_NATS_ENABLED: 'false',
      MESH_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  let client: { close(): void } | undefined;
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('Citadel did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`http://127.0.0.1:${adminPort}/v1/bootstrap-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ namespace: 'bench', serviceAccount: 'workload' }),
    });
    const { token } = (await res.json()) as { token: string };
    const rootPem = fs.readFileSync(path.join(dir, 'state', 'root-cert.pem'), 'utf8');
    const csrs = await Promise.all(Array.from({ length: CSRS }, () => testing.makeTestCsr(`spiffe://${TD}/ns/bench/sa/workload`).then((c) => c.csrPem)));
    client = testing.testCertClient(`localhost:${grpcPort}`, rootPem);
    // Warm-up (TLS handshake, JIT).
    for (let i = 0; i < 50; i++) await testing.requestCertificate(client, { csr: csrs[i % CSRS]! }, token);
    let issued = 0;
    let i = 0;
    const cpu0 = cpuSeconds(child.pid!);
    const t0 = process.hrtime.bigint();
    const end = Date.now() + GRPC_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: GRPC_CONCURRENCY }, async () => {
        while (Date.now() < end) {
          await testing.requestCertificate(client, { csr: csrs[i++ % CSRS]! }, token);
          issued++;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(child.pid!) - cpu0;
    return { rate: issued / seconds, perCpuSecond: issued / cpu, cpu, issued };
  } finally {
    client?.close();
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, Node ${process.version} (OpenSSL ${process.versions.openssl}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const key = await citadel.generateRootKey();
  const root = citadel.createSelfSignedRoot({ key, trustDomain: TD });
  const ca = new citadel.CertificateAuthority({ signingKey: key, signingCertPem: root, chainPems: [root], rootCertPems: [root] }, { trustDomain: TD, defaultTtlSeconds: 86400, maxTtlSeconds: 86400 });
  const csrs = await Promise.all(Array.from({ length: CSRS }, (_, i) => testing.makeTestCsr(`spiffe://${TD}/ns/ns-${i}/sa/sa-${i}`).then((c) => c.csrPem)));
  const check = ca.signCsr(csrs[0]!);
  if (!check.ok || !new crypto.X509Certificate(check.certChainPem[0]!).verify(new crypto.X509Certificate(root).publicKey)) throw new Error('the CA produced a certificate that does not verify');
  const tbsLike = crypto.randomBytes(700);

  const best = { openssl: 0, nodeSign: 0, pipeline: 0 };
  for (let r = 1; r <= ROUNDS; r++) {
    const o = opensslSpeed();
    const n = rate(SECONDS, () => crypto.sign('sha256', tbsLike, key));
    const p = rate(SECONDS, (i) => {
      const res = ca.signCsr(csrs[i % CSRS]!);
      if (!res.ok) throw new Error(res.message);
    });
    process.stdout.write(`round ${r}: openssl speed ${fmt(o)} sign/s; Node crypto.sign ${fmt(n)}/s; Citadel CSR->certificate ${fmt(p)}/s (${pct(p / o)} of this round's openssl)\n`);
    best.openssl = Math.max(best.openssl, o);
    best.nodeSign = Math.max(best.nodeSign, n);
    best.pipeline = Math.max(best.pipeline, p);
  }
  const ratio = best.pipeline / best.openssl;
  process.stdout.write('\nbest of rounds, one core:\n');
  process.stdout.write(`  openssl speed -seconds ${SECONDS} rsa2048          ${fmt(best.openssl)} sign/s\n`);
  process.stdout.write(`  Node crypto.sign (RSA-2048, SHA-256)   ${fmt(best.nodeSign)} sign/s   (the signature alone, same key)\n`);
  process.stdout.write(`  Citadel: parse+verify+encode+sign      ${fmt(best.pipeline)} certificates/s\n`);
  process.stdout.write(`  ratio Citadel / openssl speed          ${pct(ratio)}  (goal >= ${pct(GOAL)}: ${ratio >= GOAL ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`  ratio Citadel / Node's own RSA sign    ${pct(best.pipeline / best.nodeSign)}\n`);

  if (process.env['BENCH_SKIP_GRPC'] !== 'true') {
    const e2e = await endToEnd();
    process.stdout.write(`\nend to end (Citadel process, gRPC over TLS, bootstrap token, ${GRPC_CONCURRENCY} concurrent calls, ${GRPC_SECONDS} s):\n`);
    process.stdout.write(`  ${fmt(e2e.rate)} certificates/s; ${fmt(e2e.perCpuSecond)} per CPU-second of Citadel (${e2e.issued} in ${e2e.cpu.toFixed(2)} CPU-s) = ${pct(e2e.perCpuSecond / best.openssl)} of openssl speed\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`citadel-sign: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
