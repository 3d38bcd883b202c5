import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { silentLogger } from '@mesh/runtime/testing';
import { createSelfSignedCertificate } from './self-signed-cert.js';
import type { WebhookMetrics } from './webhook-server.js';
import { WebhookServer } from './webhook-server.js';

type Answer = { status: number; body: unknown; fingerprint: string };

/** POSTs over real HTTPS, trusting only `ca`. */
function post(port: number, ca: string, urlPath: string, body: string, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', servername: 'localhost', port, path: urlPath, method: 'POST', ca, agent: false, headers: { 'content-type': contentType }, timeout: 5000 },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? (JSON.parse(data) as unknown) : undefined, fingerprint }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const review = (object: unknown, kind = 'VirtualService', group = 'networking.istio.io') =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'f0e1', kind: { group, version: 'v1alpha3', kind }, operation: 'CREATE', namespace: 'default', userInfo: { username: 'ci' }, object },
  });
const vs = (hosts: unknown) => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'shipping', namespace: 'default' },
  spec: { hosts, http: [{ route: [{ destination: { host: 'shipping' } }] }] },
});

describe('WebhookServer', () => {
  const tls = createSelfSignedCertificate({ commonName: 'test', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const counts: Record<string, number> = {};
  const metrics: WebhookMetrics = { recordReview: (e, r) => void (counts[`${e}:${r}`] = (counts[`${e}:${r}`] ?? 0) + 1) };
  let server: WebhookServer;

  beforeAll(async () => {
    server = new WebhookServer({ host: '127.0.0.1', port: 0, tls, logger: silentLogger(), metrics, admissionWarnings: async (obj) => [`looked at ${obj.metadata.name}`] });
    await server.start();
  });
  afterAll(() => server.stop());

  it('allows a valid object over HTTPS, with the same uid and the warnings hook\'s warnings', async () => {
    const res = await post(server.port, tls.certPem, '/admitpilot', review(vs(['shipping'])));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'f0e1', allowed: true, warnings: ['looked at shipping'] } });
  });

  it('denies an invalid object with a status naming the field', async () => {
    const res = await post(server.port, tls.certPem, '/admitpilot', review(vs('not-a-list')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response: { uid: 'f0e1', allowed: false, status: { code: 422, message: expect.stringContaining('spec.hosts: must be an array') } } });
  });

  it('denies a kind sent to the other endpoint', async () => {
    const res = await post(server.port, tls.certPem, '/admitmixer', review(vs(['shipping'])));
    expect(res.body).toMatchObject({ response: { allowed: false, status: { message: expect.stringContaining('send it to /admitpilot') } } });
  });

  it.each([
    ['malformed JSON', '{"apiVersion": ', 400],
    ['a body that is not a review', JSON.stringify({ kind: 'Pod' }), 400],
  ])('answers %s with 400', async (_name, body, status) => {
    const res = await post(server.port, tls.certPem, '/admitpilot', body);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ kind: 'Status', code: status });
  });

  it('answers unknown paths with 404 and counts reviews by endpoint and result', async () => {
    expect((await post(server.port, tls.certPem, '/inject', '{}')).status).toBe(404);
    expect(counts['pilot:allowed']).toBeGreaterThanOrEqual(1);
    expect(counts['pilot:denied']).toBeGreaterThanOrEqual(1);
    expect(counts['mixer:denied']).toBeGreaterThanOrEqual(1);
    expect(counts['pilot:malformed']).toBeGreaterThanOrEqual(1);
  });

  it('serves a renewed certificate from its files without a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'webhook-tls-'));
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    const first = createSelfSignedCertificate({ commonName: 'one', dnsNames: ['localhost'], ipAddresses: [] });
    const second = createSelfSignedCertificate({ commonName: 'two', dnsNames: ['localhost'], ipAddresses: [] });
    writeFileSync(certFile, first.certPem);
    writeFileSync(keyFile, first.keyPem);
    const reloading = new WebhookServer({ host: '127.0.0.1', port: 0, tls: first, logger: silentLogger(), reload: { certFile, keyFile, intervalMs: 30 } });
    await reloading.start();
    try {
      const fp = (pem: string) => new crypto.X509Certificate(pem).fingerprint256;
      expect((await post(reloading.port, first.certPem, '/admitpilot', review(vs(['a'])))).fingerprint).toBe(fp(first.certPem));
      writeFileSync(keyFile, second.keyPem);
      writeFileSync(certFile, second.certPem);
      const deadline = Date.now() + 3000;
      let seen = '';
      while (Date.now() < deadline && seen !== fp(second.certPem)) {
        seen = (await post(reloading.port, second.certPem, '/admitpilot', review(vs(['a']))).catch(() => ({ fingerprint: '' }))).fingerprint;
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(seen).toBe(fp(second.certPem));
    } finally {
      await reloading.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
