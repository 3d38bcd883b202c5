import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProcessMetrics } from '@mesh/runtime';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { MeshError } from '@mesh/shared-api';
import tls from 'node:tls';
import { CertificateAgent } from './certificate-agent.js';
import { CitadelProcess } from './test-support/citadel-process.js';
import { tlsMaterialOf } from './tls-material.js';
import type { CertificateAgentOptions, WorkloadCertificate } from './types.js';

const TD = 'cluster.local';
const logger = silentLogger();

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
      expect(state).toMatchObject({ identity: cert.identity, credential: 'bootstrap-token', rotations: 1, serial: cert.serial, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() });
      expect(state.rootFingerprints).toEqual([new crypto.X509Certificate(rootCertPem).fingerprint256]);
      expect(state.chain).toEqual([expect.objectContaining({ serial: new crypto.X509Certificate(rootCertPem).serialNumber, notAfter: new Date(new crypto.X509Certificate(rootCertPem).validTo).toISOString() })]);
      expect(state.lastError).toBeUndefined();
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
      const remaining = Number(/^sidecar_agent_cert_expiry_seconds (\d+)/m.exec(text)?.[1]);
      expect(remaining).toBeGreaterThan(3500);
      expect(remaining).toBeLessThanOrEqual(3600);
      expect(text).toMatch(new RegExp(`^sidecar_agent_root_cert_expiry_timestamp ${Math.floor(new Date(new crypto.X509Certificate(rootCertPem).validTo).getTime() / 1000)}`, 'm'));
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
    // 4 s certificates rotated at ~2 s: two new ones after ~4 s (waiting up to 15 s: a loaded
    // machine delays the CSR round trips, never the schedule's rule checked below).
    while (Date.now() - t0 < 15_000 && serials.size < 3) {
      const c = a.current();
      if (!c) gaps++;
      else serials.add(c.serial);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(gaps).toBe(0);
    expect(serials.size).toBeGreaterThanOrEqual(3);
    expect(rotated.length).toBe(serials.size);
    expect(rotated[1]!.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    const firstRotationAfterMs = rotated[1]!.notAfter.getTime() - 4000 - t0;
    expect(firstRotationAfterMs).toBeGreaterThan(1000);
    expect(firstRotationAfterMs).toBeLessThan(4000);
    await a.stop();
    await a.stop();
    const after = a.current()?.serial;
    await new Promise((r) => setTimeout(r, 2500));
    expect(a.current()?.serial ?? after).toBe(after);
  });

  it('hot-swaps the TLS context on rotation: open connections stay up, new ones get the new certificate', async () => {
    const a = agent({ ttlSeconds: 6 });
    await a.start();
    let server: tls.Server | undefined;
    const sockets = new Set<tls.TLSSocket>();
    // What the proxy does: one server, its secure context replaced on every rotation.
    const unsubscribe = a.subscribe((cert) => {
      const m = tlsMaterialOf(cert);
      if (!server) {
        server = tls.createServer({ key: m.key, cert: m.cert, ca: m.ca, requestCert: true, rejectUnauthorized: true }, (s) => {
          sockets.add(s);
          s.pipe(s);
        });
      } else server.setSecureContext({ key: m.key, cert: m.cert, ca: m.ca });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server!.address() as { port: number }).port;
    const dial = (): Promise<tls.TLSSocket> =>
      new Promise((resolve, reject) => {
        const m = a.tlsMaterial()!;
        // The client presents the workload certificate too (mTLS); the peer's SAN is a SPIFFE URI, not a host name.
        const s = tls.connect({ host: '127.0.0.1', port, key: m.key, cert: m.cert, ca: m.ca, checkServerIdentity: () => undefined }, () => resolve(s));
        sockets.add(s);
        s.on('error', reject);
      });
    const echo = (s: tls.TLSSocket, text: string): Promise<string> =>
      new Promise((resolve) => {
        s.once('data', (d: Buffer) => resolve(d.toString()));
        s.write(text);
      });
    try {
      const first = await dial();
      const peer = first.getPeerX509Certificate()!;
      const firstSerial = peer.serialNumber;
      expect(firstSerial).toBe(a.current()!.serial);
      expect(peer.subjectAltName).toBe(`URI:${a.identity}`);
      await expect(echo(first, 'hello')).resolves.toBe('hello');
      // Wait for a rotation (6 s certificates rotate at ~3 s).
      for (const until = Date.now() + 10_000; a.current()!.serial === firstSerial && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      expect(a.current()!.serial).not.toBe(firstSerial);
      // The connection made before the rotation still works.
      await expect(echo(first, 'still here')).resolves.toBe('still here');
      const second = await dial();
      expect(second.getPeerX509Certificate()!.serialNumber).toBe(a.current()!.serial);
      await expect(echo(second, 'new context')).resolves.toBe('new context');
    } finally {
      unsubscribe();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server!.close(() => r()));
    }
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
