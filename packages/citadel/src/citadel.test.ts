import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { GrpcServices, loadCitadelPackageDefinition, TRUST_BUNDLE_SUBJECT } from '@mesh/shared-api';
import { signHs256 } from './auth/jws.js';
import { BootstrapTokens } from './auth/bootstrap-tokens.js';
import { TOKEN_KEY_FILE } from './auth/token-key-store.js';
import { CA_KEY_FILE, ROOT_CERT_FILE } from './ca/key-store.js';
import { HEALTH_SERVICE_DEFINITION } from './grpc/health-service.js';
import { opensslExtensions, opensslVerifyChain } from './testing/openssl.js';
import { startTestCitadel } from './testing/test-citadel.js';
import type { TestCitadel } from './testing/test-citadel.js';
import { makeTestCsr } from './testing/workload-csr.js';

const TD = 'cluster.local';
const BOOKING = `spiffe://${TD}/ns/shop/sa/booking`;
const logger = silentLogger();

type CertClient = grpc.Client & { CreateCertificate: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<{ cert_chain: string[] }>) => void };

function certClient(c: TestCitadel): CertClient {
  const Ctor = grpc.makeGenericClientConstructor(loadCitadelPackageDefinition()[GrpcServices.citadel] as grpc.ServiceDefinition, 'IstioCertificateService');
  return new Ctor(c.address, grpc.credentials.createSsl(Buffer.from(c.rootCertPem))) as unknown as CertClient;
}

function createCertificate(client: CertClient, req: { csr: string; validity_duration?: number }, token?: string): Promise<string[]> {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client.CreateCertificate(req, md, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res!.cert_chain)));
  });
}

async function metricsText(c: TestCitadel): Promise<string> {
  return (await fetch(`http://127.0.0.1:${c.adminPort}/metrics`)).text();
}

describe('Citadel (gRPC over TLS, in-process)', () => {
  let citadel: TestCitadel;
  let client: CertClient;
  let token: string;

  beforeAll(async () => {
    citadel = await startTestCitadel({ logger, env: { MESH_CITADEL_DEFAULT_TTL_S: '3600', MESH_CITADEL_MAX_TTL_S: '7200' } });
    client = certClient(citadel);
    token = await citadel.issueToken('shop', 'booking');
  });
  afterAll(async () => {
    client?.close();
    await citadel?.cleanup();
  });

  it('issues a chain that openssl verifies with root-cert.pem, for the SPIFFE identity the token proves', async () => {
    const { csrPem } = await makeTestCsr(BOOKING);
    const chain = await createCertificate(client, { csr: csrPem }, token);
    expect(chain).toHaveLength(2);
    const rootFile = fs.readFileSync(path.join(citadel.stateDir, ROOT_CERT_FILE), 'utf8');
    expect(chain[1]).toBe(rootFile);
    const verify = opensslVerifyChain(chain, rootFile);
    expect(verify.output).toMatch(/: OK/);
    expect(opensslExtensions(chain[0]!, 'subjectAltName')).toMatch(new RegExp(`URI:${BOOKING}\\s*$`));
  });

  it.each([
    ['the default TTL', undefined, 3600],
    ['the requested TTL', 600, 600],
    ['the maximum TTL when more is requested', 86400, 7200],
  ])('issues certificates with %s', async (_n, requested, expected) => {
    const { csrPem } = await makeTestCsr(BOOKING);
    const before = Date.now();
    const chain = await createCertificate(client, { csr: csrPem, ...(requested ? { validity_duration: requested } : {}) }, token);
    const ttl = (new Date(new crypto.X509Certificate(chain[0]!).validTo).getTime() - before) / 1000;
    expect(Math.abs(ttl - expected)).toBeLessThanOrEqual(2);
  });

  it('refuses a CSR for another identity with PERMISSION_DENIED', async () => {
    const { csrPem } = await makeTestCsr(`spiffe://${TD}/ns/shop/sa/payments`);
    await expect(createCertificate(client, { csr: csrPem }, token)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: expect.stringMatching(/proved identity .*booking and may not obtain a certificate for .*payments/),
    });
  });

  it('refuses an invalid CSR from an authenticated caller with INVALID_ARGUMENT', async () => {
    const { csrPem } = await makeTestCsr({ altNames: [{ type: 6, value: BOOKING }, { type: 2, value: 'booking.local' }] });
    await expect(createCertificate(client, { csr: csrPem }, token)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/not SPIFFE URIs/) });
  });

  describe('refuses with UNAUTHENTICATED', () => {
    const keyOf = (): Buffer => Buffer.from(fs.readFileSync(path.join(citadel.stateDir, TOKEN_KEY_FILE), 'utf8').trim(), 'base64');
    const now = (): number => Math.floor(Date.now() / 1000);
    it.each([
      ['no token', () => undefined, /no credentials/],
      ['a forged token', () => signHs256({ sub: BOOKING, aud: 'mesh-citadel', iat: now(), exp: now() + 600 }, crypto.randomBytes(32)), /signature does not verify/],
      ['an expired token', () => new BootstrapTokens({ key: keyOf(), trustDomain: TD, maxTtlSeconds: 3600, clock: () => Date.now() - 7200_000 }).issue(BOOKING, 60), /expired/],
      ['a token for another audience', () => signHs256({ sub: BOOKING, aud: 'kubernetes', iat: now(), exp: now() + 600 }, keyOf()), /audience/],
      ['a malformed token', () => 'not-a-token', /compact JWS/],
    ])('for %s', async (_n, make, detail) => {
      const made = make();
      const t = typeof made === 'object' && made !== null ? (made.ok ? made.token : undefined) : made;
      const { csrPem } = await makeTestCsr(BOOKING);
      await expect(createCertificate(client, { csr: csrPem }, t)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringMatching(detail) });
    });
  });

  it('counts requests, issuances and refusals by reason, and exports the root expiry', async () => {
    const text = await metricsText(citadel);
    expect(text).toMatch(/^citadel_server_csr_count_total \d+/m);
    expect(text).toMatch(/^citadel_server_success_cert_issuance_count_total [1-9]\d*/m);
    expect(text).toMatch(/^citadel_server_csr_refused_count_total\{reason="unauthenticated"\} [1-9]/m);
    expect(text).toMatch(/^citadel_server_csr_refused_count_total\{reason="permission_denied"\} [1-9]/m);
    const expiry = Number(/^citadel_server_root_cert_expiry_timestamp (\d+)/m.exec(text)?.[1]);
    expect(expiry).toBe(Math.floor(new Date(new crypto.X509Certificate(citadel.rootCertPem).validTo).getTime() / 1000));
  });

  it('serves grpc.health.v1 over the same TLS port', async () => {
    const Ctor = grpc.makeGenericClientConstructor(HEALTH_SERVICE_DEFINITION, 'Health');
    const health = new Ctor(citadel.address, grpc.credentials.createSsl(Buffer.from(citadel.rootCertPem))) as unknown as {
      Check: (req: object, opts: grpc.CallOptions, cb: grpc.requestCallback<{ status: string }>) => void;
      close(): void;
    };
    try {
      const check = (service: string) => new Promise<{ status: string }>((resolve, reject) => health.Check({ service }, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r!))));
      await expect(check('')).resolves.toEqual({ status: 'SERVING' });
      await expect(check(GrpcServices.citadel)).resolves.toEqual({ status: 'SERVING' });
      await expect(check('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      health.close();
    }
  });

  it('is ready once serving', async () => {
    expect((await fetch(`http://127.0.0.1:${citadel.adminPort}/healthz/ready`)).status).toBe(200);
  });

  describe('POST /v1/bootstrap-tokens', () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`http://127.0.0.1:${citadel.adminPort}/v1/bootstrap-tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    it('answers 401 without the admin token', async () => {
      const res = await post({}, { namespace: 'shop', serviceAccount: 'booking' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers 401 with a wrong admin token', async () => {
      expect((await post({ authorization: 'Bearer wrong-wrong-wrong-wrong' }, { namespace: 'shop', serviceAccount: 'booking' })).status).toBe(401);
    });

    it('answers 200 with a token for the identity, by SPIFFE ID or by namespace and service account', async () => {
      const auth = { authorization: `Bearer ${citadel.adminToken!}` };
      const res = await post(auth, { identity: BOOKING, ttlSeconds: 120 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; identity: string; tokenId: string; expiresAt: string };
      expect(body.identity).toBe(BOOKING);
      expect(Math.abs(new Date(body.expiresAt).getTime() - Date.now() - 120_000)).toBeLessThan(3000);
      const { csrPem } = await makeTestCsr(BOOKING);
      await expect(createCertificate(client, { csr: csrPem }, body.token)).resolves.toHaveLength(2);
    });

    it.each([
      [{ namespace: 'Shop', serviceAccount: 'booking' }, /lower-case/],
      [{ identity: 'spiffe://cluster.local/ns/a/sa/b', namespace: 'a' }, /not both/],
      [{ identity: 'https://x' }, /SPIFFE ID/],
      [{ identity: 'spiffe://other.td/ns/a/sa/b' }, /trust domain/],
      [{ namespace: 'shop', serviceAccount: 'booking', ttlSeconds: 10 ** 10 }, /exceeds the maximum/],
      [{}, /give identity/],
    ])('answers 400 for %j', async (body, message) => {
      const res = await post({ authorization: `Bearer ${citadel.adminToken!}` }, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    });
  });
});

describe('Citadel restarts and configuration', () => {
  it('keeps its root (0600 key, same fingerprint) and its bootstrap tokens across a restart', async () => {
    const first = await startTestCitadel({ logger });
    const stateDir = first.stateDir;
    try {
      const token = await first.issueToken('shop', 'booking');
      const fp = new crypto.X509Certificate(first.rootCertPem).fingerprint256;
      expect(fs.statSync(path.join(stateDir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(stateDir, TOKEN_KEY_FILE)).mode & 0o777).toBe(0o600);
      await first.stop();

      const second = await startTestCitadel({ logger, stateDir });
      const client = certClient(second);
      try {
        expect(new crypto.X509Certificate(second.rootCertPem).fingerprint256).toBe(fp);
        const { csrPem } = await makeTestCsr(BOOKING);
        const chain = await createCertificate(client, { csr: csrPem }, token);
        expect(opensslVerifyChain(chain, first.rootCertPem).ok).toBe(true);
      } finally {
        client.close();
        await second.stop();
      }
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('answers 403 on the token endpoint, explaining how to enable it, when no admin token is configured', async () => {
    const c = await startTestCitadel({ logger, adminToken: null });
    try {
      const res = await fetch(`http://127.0.0.1:${c.adminPort}/v1/bootstrap-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer anything-anything' },
        body: JSON.stringify({ namespace: 'shop', serviceAccount: 'booking' }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(/MESH_CITADEL_ADMIN_TOKEN_FILE/);
    } finally {
      await c.cleanup();
    }
  });

  it.each([
    [{ MESH_CITADEL_DEFAULT_TTL_S: '100', MESH_CITADEL_MAX_TTL_S: '50' }, /exceeds MESH_CITADEL_MAX_TTL_S/],
    [{ MESH_CITADEL_TRUST_DOMAIN: 'Not_Valid' }, /not a valid trust domain/],
  ])('refuses to start with %j', async (env, message) => {
    await expect(startTestCitadel({ logger, env })).rejects.toThrow(message);
  });

  it('refuses to start with an admin token that is too short', async () => {
    await expect(startTestCitadel({ logger, adminToken: 'short' })).rejects.toThrow(/at least 16 characters/);
  });

  it('serves its certificate for extra host names from MESH_CITADEL_HOSTNAMES', async () => {
    const c = await startTestCitadel({ logger, env: { MESH_CITADEL_HOSTNAMES: 'citadel.istio-system.svc,10.1.2.3' } });
    try {
      const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: c.grpcPort, ca: c.rootCertPem, servername: 'citadel.istio-system.svc', ALPNProtocols: ['h2'] }, () => {
          resolve(s.getPeerCertificate());
          s.end();
        });
        s.on('error', reject);
      });
      expect(peer.subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:citadel.istio-system.svc, IP Address:10.1.2.3');
    } finally {
      await c.cleanup();
    }
  });
});

describe('Citadel and NATS', () => {
  it('publishes the trust bundle at start and answers requests for it', async () => {
    const nats = await NatsServerProcess.start();
    const nc = await connect({ servers: nats.url });
    const sub = nc.subscribe(TRUST_BUNDLE_SUBJECT, { max: 1 });
    const c = await startTestCitadel({ logger, env: { MESH_CITADEL_NATS_ENABLED: 'true', MESH_NATS_URL: nats.url } });
    try {
      for await (const m of sub) expect(m.string()).toBe(c.rootCertPem);
      const reply = await nc.request(TRUST_BUNDLE_SUBJECT, '', { timeout: 5000 });
      expect(reply.string()).toBe(c.rootCertPem);
    } finally {
      await c.cleanup();
      await nc.close();
      await nats.stop();
    }
  });

  it('starts and serves when NATS is unreachable, and stops promptly', async () => {
    const c = await startTestCitadel({ logger, env: { MESH_CITADEL_NATS_ENABLED: 'true', MESH_NATS_URL: 'nats://127.0.0.1:1' } });
    const client = certClient(c);
    try {
      const token = await c.issueToken('shop', 'booking');
      const { csrPem } = await makeTestCsr(BOOKING);
      await expect(createCertificate(client, { csr: csrPem }, token)).resolves.toHaveLength(2);
    } finally {
      client.close();
      const t0 = Date.now();
      await c.cleanup();
      expect(Date.now() - t0).toBeLessThan(3000);
    }
  });
});

describe('Citadel logs', () => {
  it('logs refusals with identity and reason, and never the token', async () => {
    const lines: string[] = [];
    const capture = createLogger('citadel-test', 'debug', { write: (s: string) => void lines.push(s) });
    const c = await startTestCitadel({ logger: capture });
    const client = certClient(c);
    try {
      const token = await c.issueToken('shop', 'booking');
      const { csrPem: other } = await makeTestCsr(`spiffe://${TD}/ns/shop/sa/payments`);
      await expect(createCertificate(client, { csr: other }, token)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      const { csrPem } = await makeTestCsr(BOOKING);
      await expect(createCertificate(client, { csr: csrPem }, `${token}x`)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      await expect(createCertificate(client, { csr: csrPem }, token)).resolves.toHaveLength(2);
    } finally {
      client.close();
      await c.cleanup();
    }
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'CreateCertificate refused: identity not proven', identity: BOOKING, requestedIdentity: `spiffe://${TD}/ns/shop/sa/payments`, reason: 'identity-mismatch' }));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'CreateCertificate refused: caller not authenticated', requestedIdentity: BOOKING, reason: 'bad-signature' }));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'issued workload certificate', identity: BOOKING, method: 'bootstrap-token' }));
    const all = lines.join('\n');
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    expect(all).not.toContain(c.adminToken!);
  });
});
