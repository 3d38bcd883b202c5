import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProcessMetrics } from '@mesh/runtime';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { MeshError } from '@mesh/shared-api';
import { CertificateAgent } from './certificate-agent.js';
import type { CertificateAgentOptions, WorkloadCertificate } from './types.js';

/**
 * These tests run the real Citadel as a process (services never import each other), from its
 * build output: build it first with `npx tsc -p packages/citadel/tsconfig.build.json`.
 */
const CITADEL_DIR = path.resolve(__dirname, '../../../citadel');
const CITADEL_BIN = path.join(CITADEL_DIR, 'bin', 'mesh-citadel.js');
const TD = 'cluster.local';
const logger = silentLogger();

/** A Citadel child process on free ports. */
class CitadelProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly grpcPort: number,
    readonly adminPort: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
  }

  static async start(stateDir: string, adminTokenFile: string, grpcPort?: number): Promise<CitadelProcess> {
    if (!fs.existsSync(path.join(CITADEL_DIR, 'dist', 'main.js'))) {
      throw new Error(`Citadel is not built (${CITADEL_DIR}/dist/main.js is missing): run \`npx tsc -p packages/citadel/tsconfig.build.json\` from the repo root first`);
    }
    const port = grpcPort ?? (await freePort());
    const adminPort = await freePort();
    const child = spawn(process.execPath, [CITADEL_BIN], {
      env: {
        ...process.env,
        MESH_CITADEL_STATE_DIR: stateDir,
        MESH_CITADEL_ADMIN_TOKEN_FILE: adminTokenFile,
        MESH_CITADEL_GRPC_PORT: String(port),
        MESH_CITADEL_GRPC_HOST: '127.0.0.1',
        MESH_ADMIN_PORT: String(adminPort),
        MESH_ADMIN_HOST: '127.0.0.1',
        MESH_CITADEL_NATS_ENABLED: 'false',
        MESH_DRAIN_MS: '500',
        MESH_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = new CitadelProcess(child, port, adminPort);
    await c.waitReady(15_000);
    return c;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`Citadel exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.adminPort}/healthz/ready`, { signal: AbortSignal.timeout(500) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.child.kill('SIGKILL');
    throw new Error(`Citadel was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  async issueToken(adminToken: string, namespace: string, serviceAccount: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}/v1/bootstrap-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ namespace, serviceAccount }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { token?: string; message?: string };
    if (!body.token) throw new Error(`token request failed (${res.status}): ${body.message ?? ''}`);
    return body.token;
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

function opensslVerify(cert: WorkloadCertificate): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-agent-'));
  try {
    fs.writeFileSync(path.join(dir, 'root.pem'), cert.rootCertPem);
    fs.writeFileSync(path.join(dir, 'leaf.pem'), cert.certChainPem[0]!);
    return execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'root.pem'), path.join(dir, 'leaf.pem')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('CertificateAgent (against a real Citadel process)', () => {
  let dir: string;
  let adminTokenFile: string;
  let adminToken: string;
  let citadel: CitadelProcess;
  let rootCertPem: string;
  let token: string;
  const agents: CertificateAgent[] = [];

  const agent = (overrides: Partial<CertificateAgentOptions> = {}): CertificateAgent => {
    const a = new CertificateAgent({
      citadelAddress: `localhost:${citadel.grpcPort}`,
      rootCertPem,
      token,
      trustDomain: TD,
      namespace: 'shop',
      serviceAccount: 'booking',
      logger,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      ...overrides,
    });
    agents.push(a);
    return a;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-agent-citadel-'));
    adminToken = crypto.randomBytes(24).toString('hex');
    adminTokenFile = path.join(dir, 'admin-token');
    fs.writeFileSync(adminTokenFile, adminToken, { mode: 0o600 });
    citadel = await CitadelProcess.start(path.join(dir, 'state'), adminTokenFile);
    rootCertPem = fs.readFileSync(path.join(dir, 'state', 'root-cert.pem'), 'utf8');
    token = await citadel.issueToken(adminToken, 'shop', 'booking');
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });

  afterAll(async () => {
    const code = await citadel?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    // Citadel drains and exits 0 on SIGTERM.
    expect(code).toBe(0);
  });

  it('gets a certificate for its identity that openssl verifies against the root', async () => {
    const metrics = createProcessMetrics('sidecar-test');
    const a = agent({ metrics: metrics.meter, ttlSeconds: 3600 });
    try {
      const cert = await a.start();
      expect(cert.identity).toBe(`spiffe://${TD}/ns/shop/sa/booking`);
      expect(a.current()).toBe(cert);
      expect(opensslVerify(cert)).toMatch(/OK/);
      const leaf = new crypto.X509Certificate(cert.certChainPem[0]!);
      expect(leaf.subjectAltName).toBe(`URI:${cert.identity}`);
      expect(leaf.checkPrivateKey(crypto.createPrivateKey(cert.keyPem))).toBe(true);
      expect(leaf.serialNumber).toBe(cert.serial);
      expect(Math.abs(cert.notAfter.getTime() - Date.now() - 3600_000)).toBeLessThan(5000);
      const state = a.state();
      expect(state).toMatchObject({ identity: cert.identity, rotations: 1, serial: cert.serial, notAfter: cert.notAfter.toISOString() });
      expect(state.secondsToExpiry).toBeGreaterThan(3500);
      // Rotation is planned at about half the lifetime (up to 10 % earlier, for jitter).
      const inMs = new Date(state.nextRotationAt!).getTime() - Date.now();
      expect(inMs).toBeGreaterThan(0.4 * 3600_000);
      expect(inMs).toBeLessThanOrEqual(0.5 * 3600_000);
      expect(JSON.stringify(state)).not.toContain(token);
      const text = await new Promise<string>((resolve) => {
        const res = { statusCode: 0, setHeader: () => undefined, end: (body: string) => resolve(body) };
        metrics.exporter.getMetricsRequestHandler({} as never, res as never);
      });
      expect(text).toMatch(/^sidecar_agent_cert_issuance_count_total 1/m);
      expect(text).toMatch(new RegExp(`^sidecar_agent_cert_expiry_timestamp ${Math.floor(cert.notAfter.getTime() / 1000)}`, 'm'));
    } finally {
      await metrics.shutdown();
    }
  });

  it('rotates at half the TTL without a gap in current()', async () => {
    const a = agent({ ttlSeconds: 4 });
    const rotated: WorkloadCertificate[] = [];
    a.onRotate((c) => rotated.push(c));
    const first = await a.start();
    const t0 = Date.now();
    const serials = new Set<string>([first.serial]);
    let gaps = 0;
    while (Date.now() - t0 < 4500) {
      const c = a.current();
      if (!c) gaps++;
      else serials.add(c.serial);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(gaps).toBe(0);
    // 4 s certificates rotated at ~2 s: at least two new ones in 4.5 s.
    expect(serials.size).toBeGreaterThanOrEqual(3);
    expect(rotated.length).toBe(serials.size);
    expect(rotated[1]!.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    const firstRotationAfterMs = rotated[1]!.notAfter.getTime() - 4000 - t0;
    expect(firstRotationAfterMs).toBeGreaterThan(1000);
    expect(firstRotationAfterMs).toBeLessThan(3000);
    await a.stop();
    await a.stop();
    const after = a.current()?.serial;
    await new Promise((r) => setTimeout(r, 2500));
    expect(a.current()?.serial ?? after).toBe(after);
  });

  it.each([
    ['a forged token', () => `${token.slice(0, -4)}AAAA`, 'UNAUTHENTICATED', /authentication failed/],
    ['a token for another identity', () => citadel.issueToken(adminToken, 'shop', 'payments'), 'FORBIDDEN', /may not obtain a certificate/],
  ])('fails start() at once with %s', async (_n, makeToken, code, message) => {
    const a = agent({ token: await makeToken() });
    const t0 = Date.now();
    const err = await a.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.current()).toBeUndefined();
    expect(a.state().lastError).toMatch(message);
  });

  it('does not trust a Citadel whose certificate is not from its root', async () => {
    const other = execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=other', '-days', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const a = agent({ rootCertPem: other, startTimeoutMs: 800 });
    await expect(a.start()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(a.state().lastError).toMatch(/UNAVAILABLE/);
  });

  it('retries with backoff while Citadel is down, and succeeds once it is up', async () => {
    const port = await freePort();
    const a = agent({ citadelAddress: `localhost:${port}`, startTimeoutMs: 20_000 });
    const started = a.start();
    // Wait for the first failed attempt (key generation comes first and is slow on a loaded machine).
    for (const until = Date.now() + 15000; a.state().lastError === undefined && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(a.state().lastError).toMatch(/UNAVAILABLE/);
    // A second Citadel on the same state directory: same root and token key, so the token works.
    const second = await CitadelProcess.start(path.join(dir, 'state'), adminTokenFile, port);
    try {
      const cert = await started;
      expect(cert.identity).toBe(`spiffe://${TD}/ns/shop/sa/booking`);
    } finally {
      await a.stop();
      expect(await second.stop()).toBe(0);
    }
  });

  it('stop() during start() ends start() promptly', async () => {
    const port = await freePort();
    const a = agent({ citadelAddress: `localhost:${port}`, startTimeoutMs: 20_000 });
    const started = a.start();
    await new Promise((r) => setTimeout(r, 300));
    await a.stop();
    await expect(started).rejects.toThrow(/stopped before it obtained a certificate/);
  });
});
