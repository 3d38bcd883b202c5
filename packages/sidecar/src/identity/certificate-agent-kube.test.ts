import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '@mesh/runtime/testing';
import { MeshError } from '@mesh/shared-api';
import { CertificateAgent } from './certificate-agent.js';
import { CitadelProcess, tempDir, TokenReviewServer } from './test-support/citadel-process.js';
import { FileTokenSource } from './token-source.js';

/**
 * The agent in Kubernetes mode: it proves its identity with the projected service-account token
 * file (re-read for every request, as the kubelet rotates it), which Citadel checks with a
 * TokenReview against the (in-test) Kubernetes API server. Citadel runs as a real process.
 */
describe('CertificateAgent with a Kubernetes service-account token file', () => {
  const logger = silentLogger();
  let dir: string;
  let kube: TokenReviewServer;
  let citadel: CitadelProcess;
  let rootCertPem: string;
  let tokenFile: string;
  const agents: CertificateAgent[] = [];

  const agent = (serviceAccount: string, ttlSeconds?: number): CertificateAgent => {
    const a = new CertificateAgent({
      citadelAddress: `localhost:${citadel.grpcPort}`,
      rootCertPem,
      tokenSource: new FileTokenSource(tokenFile, 'kubernetes-sa-token'),
      trustDomain: 'cluster.local',
      namespace: 'shop',
      serviceAccount,
      logger,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      startTimeoutMs: 5000,
      ...(ttlSeconds ? { ttlSeconds } : {}),
    });
    agents.push(a);
    return a;
  };

  beforeAll(async () => {
    dir = tempDir('mesh-agent-kube-');
    kube = new TokenReviewServer();
    await kube.start(dir);
    const adminTokenFile = path.join(dir, 'admin-token');
    fs.writeFileSync(adminTokenFile, crypto.randomBytes(24).toString('hex'), { mode: 0o600 });
    citadel = await CitadelProcess.start(path.join(dir, 'state'), adminTokenFile, undefined, { MESH_CITADEL_KUBECONFIG: kube.writeKubeconfig(dir) });
    rootCertPem = fs.readFileSync(path.join(dir, 'state', 'root-cert.pem'), 'utf8');
    tokenFile = path.join(dir, 'istio-token');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });
  afterAll(async () => {
    await citadel?.stop();
    await kube?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gets its certificate with the token file, and uses the renewed token at the next rotation', async () => {
    kube.allow('sa-token-1', 'shop', 'booking');
    kube.allow('sa-token-2', 'shop', 'booking');
    fs.writeFileSync(tokenFile, 'sa-token-1\n');
    const a = agent('booking', 4);
    const first = await a.start();
    expect(new crypto.X509Certificate(first.certChainPem[0]!).subjectAltName).toBe('URI:spiffe://cluster.local/ns/shop/sa/booking');
    expect(a.state()).toMatchObject({ credential: 'kubernetes-sa-token', rotations: 1 });
    expect(kube.reviewed).toEqual(['sa-token-1']);
    // The kubelet rewrites the projected token; the next rotation (~2 s) sends the new one.
    fs.writeFileSync(tokenFile, 'sa-token-2\n');
    for (const until = Date.now() + 8000; a.state().rotations < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect(a.state().rotations).toBeGreaterThanOrEqual(2);
    expect(kube.reviewed[1]).toBe('sa-token-2');
    expect(a.current()!.serial).not.toBe(first.serial);
  });

  it('is refused (FORBIDDEN) when the token proves another service account', async () => {
    kube.allow('sa-token-payments', 'shop', 'payments');
    fs.writeFileSync(tokenFile, 'sa-token-payments');
    const err = await agent('booking').start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/proved identity spiffe:\/\/cluster.local\/ns\/shop\/sa\/payments and may not obtain a certificate for spiffe:\/\/cluster.local\/ns\/shop\/sa\/booking/) });
  });

  it('is refused (UNAUTHENTICATED) with a token the API server does not accept', async () => {
    fs.writeFileSync(tokenFile, 'forged-token');
    await expect(agent('booking').start()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/TokenReview: \[invalid bearer token/) });
  });

  it('keeps retrying while the token file is missing, and reports why', async () => {
    fs.rmSync(tokenFile, { force: true });
    const a = agent('booking');
    await expect(a.start()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(a.state().lastError).toMatch(/cannot read the service-account token file .*istio-token/);
  });
});
