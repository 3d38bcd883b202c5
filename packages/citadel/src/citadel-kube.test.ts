import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { requestCertificate, testCertClient } from './testing/cert-client.js';
import type { TestCertClient } from './testing/cert-client.js';
import { FakeKubeApiServer } from './testing/fake-kube-api.js';
import { opensslVerifyChain } from './testing/openssl.js';
import { startTestCitadel } from './testing/test-citadel.js';
import type { TestCitadel } from './testing/test-citadel.js';
import { makeTestCsr } from './testing/workload-csr.js';
import { signHs256 } from './auth/jws.js';

const TD = 'cluster.local';
const BOOKING = `spiffe://${TD}/ns/shop/sa/booking`;
const PAYMENTS = `spiffe://${TD}/ns/shop/sa/payments`;

describe('Citadel with Kubernetes (TokenReview and the CA Secret, against a fake API server over HTTPS)', () => {
  const lines: string[] = [];
  const logger = createLogger('citadel-kube-test', 'info', { write: (s: string) => void lines.push(s) });
  let kube: FakeKubeApiServer;
  let dir: string;
  let kubeconfig: string;
  let citadel: TestCitadel;
  let client: TestCertClient;
  const env = (): Record<string, string> => ({ MESH_CITADEL_KUBECONFIG: kubeconfig, MESH_CITADEL_ROOT_STORE: 'kubernetes', MESH_CITADEL_CA_SECRET_NAMESPACE: 'istio-system' });

  beforeAll(async () => {
    kube = new FakeKubeApiServer();
    await kube.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-citadel-kube-'));
    kubeconfig = kube.writeKubeconfig(dir);
    citadel = await startTestCitadel({ logger, env: env() });
    client = testCertClient(citadel.address, citadel.rootCertPem);
  });
  afterAll(async () => {
    client?.close();
    await citadel?.cleanup();
    await kube?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its self-signed root in the Secret istio-system/istio-ca-secret, not in the state directory', () => {
    const secret = kube.secret('istio-system', 'istio-ca-secret');
    expect(secret?.type).toBe('istio.io/ca-root');
    const certPem = Buffer.from(secret!.data['ca-cert.pem']!, 'base64').toString('utf8');
    expect(certPem).toBe(citadel.rootCertPem);
    expect(crypto.createPrivateKey(Buffer.from(secret!.data['ca-key.pem']!, 'base64').toString('utf8')).asymmetricKeyType).toBe('rsa');
    expect(fs.existsSync(path.join(citadel.stateDir, 'ca-key.pem'))).toBe(false);
    expect(citadel.caSource).toBe('self-signed-kubernetes');
    expect(citadel.authMethods).toEqual(['bootstrap-token', 'kubernetes-token']);
  });

  it('issues a certificate for the service account a TokenReview proves; openssl verifies the chain', async () => {
    const token = kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'], pod: 'booking-7d4f9' });
    const before = kube.requests.filter((r) => r.endsWith('/tokenreviews')).length;
    const { csrPem } = await makeTestCsr(BOOKING);
    const chain = await requestCertificate(client, { csr: csrPem }, token);
    expect(chain).toHaveLength(2);
    const verify = opensslVerifyChain(chain, citadel.rootCertPem);
    expect(verify.output).toMatch(/: OK/);
    expect(new crypto.X509Certificate(chain[0]!).subjectAltName).toBe(`URI:${BOOKING}`);
    expect(kube.requests.filter((r) => r === 'POST /apis/authentication.k8s.io/v1/tokenreviews')).toHaveLength(before + 1);
    const issued = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['msg'] === 'issued workload certificate' && e['method'] === 'kubernetes-token');
    expect(issued).toMatchObject({ identity: BOOKING, credentialId: 'pod:booking-7d4f9' });
  });

  it('refuses a CSR for another identity than the token proves (PERMISSION_DENIED, logged)', async () => {
    const token = kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'] });
    const { csrPem } = await makeTestCsr(PAYMENTS);
    await expect(requestCertificate(client, { csr: csrPem }, token)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: expect.stringMatching(/proved identity .*\/sa\/booking and may not obtain a certificate for .*\/sa\/payments/),
    });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ msg: 'CreateCertificate refused: identity not proven', identity: BOOKING, requestedIdentity: PAYMENTS, method: 'kubernetes-token', reason: 'identity-mismatch' }),
    );
  });

  it.each([
    ['a forged token (signed by another key)', () => kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'], forged: true }), /cryptographic primitive/],
    ['an expired token', () => kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'], expiresInSeconds: -120 }), /expired/],
    ['a token for another audience (the API server’s own)', () => kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking' }), /audiences .* is invalid for the target audiences \["istio-ca"\]/],
    ['a token that is not a JWT at all', () => 'abcdef.0123456789abcdef', /authentication failed/],
  ])('refuses %s with UNAUTHENTICATED', async (_n, make, detail) => {
    const { csrPem } = await makeTestCsr(BOOKING);
    await expect(requestCertificate(client, { csr: csrPem }, make())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringMatching(detail) });
  });

  it('accepts bootstrap tokens too, checks them itself, and never sends them to the API server', async () => {
    const token = await citadel.issueToken('shop', 'booking');
    const reviews = (): number => kube.requests.filter((r) => r.endsWith('/tokenreviews')).length;
    const before = reviews();
    const { csrPem } = await makeTestCsr(BOOKING);
    await expect(requestCertificate(client, { csr: csrPem }, token)).resolves.toHaveLength(2);
    const { csrPem: other } = await makeTestCsr(PAYMENTS);
    await expect(requestCertificate(client, { csr: other }, token)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const now = Math.floor(Date.now() / 1000);
    const forged = signHs256({ iss: 'mesh-citadel', sub: BOOKING, aud: 'mesh-citadel', iat: now, exp: now + 600 }, crypto.randomBytes(32));
    await expect(requestCertificate(client, { csr: csrPem }, forged)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringMatching(/bootstrap token: the signature does not verify/) });
    expect(reviews()).toBe(before);
  });

  it('answers UNAVAILABLE (the agent retries) when the API server cannot review tokens', async () => {
    kube.failTokenReviewsWith = 500;
    try {
      const { csrPem } = await makeTestCsr(BOOKING);
      const token = kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'] });
      await expect(requestCertificate(client, { csr: csrPem }, token)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/TokenReview failed: create TokenReview: HTTP 500/) });
    } finally {
      kube.failTokenReviewsWith = undefined;
    }
  });

  it('shows served and refused CSRs, root and chain expiry on /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${citadel.adminPort}/metrics`)).text();
    expect(Number(/^citadel_server_success_cert_issuance_count_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/^citadel_server_csr_refused_count_total\{reason="unauthenticated"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(5);
    expect(Number(/^citadel_server_csr_refused_count_total\{reason="permission_denied"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^citadel_server_csr_refused_count_total\{reason="auth_unavailable"\} 1$/m);
    const rootExpiry = Math.floor(new Date(new crypto.X509Certificate(citadel.rootCertPem).validTo).getTime() / 1000);
    expect(text).toMatch(new RegExp(`^citadel_server_root_cert_expiry_timestamp ${rootExpiry}$`, 'm'));
    expect(text).toMatch(new RegExp(`^citadel_server_cert_chain_expiry_timestamp ${rootExpiry}$`, 'm'));
  });

  it('signs with the same root after a restart (a new replica with an empty state directory)', async () => {
    const second = await startTestCitadel({ logger: silentLogger(), env: env() });
    const c2 = testCertClient(second.address, second.rootCertPem);
    try {
      expect(second.rootCertPem).toBe(citadel.rootCertPem);
      expect(kube.requests.filter((r) => r === 'POST /api/v1/namespaces/istio-system/secrets')).toHaveLength(1);
      const token = kube.serviceAccountToken({ namespace: 'shop', serviceAccount: 'booking', audiences: ['istio-ca'] });
      const { csrPem } = await makeTestCsr(BOOKING);
      const chain = await requestCertificate(c2, { csr: csrPem }, token);
      expect(opensslVerifyChain(chain, citadel.rootCertPem).ok).toBe(true);
    } finally {
      c2.close();
      await second.cleanup();
    }
  });
});

describe('Citadel with Kubernetes: start-up', () => {
  it('creates exactly one root when two replicas start at once on an empty API server', async () => {
    const kube = new FakeKubeApiServer();
    await kube.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-citadel-kube-'));
    // The Secret goes to Citadel's own namespace: the kubeconfig context's (in-cluster: the pod's).
    const env = { MESH_CITADEL_KUBECONFIG: kube.writeKubeconfig(dir, 'mesh-system'), MESH_CITADEL_ROOT_STORE: 'kubernetes' };
    const started = await Promise.allSettled([startTestCitadel({ logger: silentLogger(), env }), startTestCitadel({ logger: silentLogger(), env })]);
    try {
      const [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
      expect(a && b).toBeTruthy();
      expect(a!.rootCertPem).toBe(b!.rootCertPem);
      expect(Buffer.from(kube.secret('mesh-system', 'istio-ca-secret')!.data['ca-cert.pem']!, 'base64').toString()).toBe(a!.rootCertPem);
      expect(kube.requests.filter((r) => r.startsWith('POST '))).toEqual(['POST /api/v1/namespaces/mesh-system/secrets', 'POST /api/v1/namespaces/mesh-system/secrets']);
    } finally {
      for (const s of started) if (s.status === 'fulfilled') await s.value.cleanup();
      await kube.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when the API server does not accept its credentials', async () => {
    const kube = new FakeKubeApiServer();
    await kube.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-citadel-kube-'));
    const file = kube.writeKubeconfig(dir);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(kube.clientToken, 'wrong-token'));
    try {
      await expect(startTestCitadel({ logger: silentLogger(), env: { MESH_CITADEL_KUBECONFIG: file, MESH_CITADEL_ROOT_STORE: 'kubernetes' } })).rejects.toThrow(/read Secret istio-system\/istio-ca-secret: HTTP 401/);
    } finally {
      await kube.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses MESH_CITADEL_ROOT_STORE=kubernetes without a kubeconfig', async () => {
    await expect(startTestCitadel({ logger: silentLogger(), env: { MESH_CITADEL_ROOT_STORE: 'kubernetes' } })).rejects.toThrow(/needs MESH_CITADEL_KUBECONFIG/);
  });
});
