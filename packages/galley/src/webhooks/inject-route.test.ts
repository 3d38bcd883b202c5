import https from 'node:https';
import { applyPodPatch, DEFAULT_INJECTION_SETTINGS, kubeInjectObjects } from '@mesh/injector';
import type { JsonPatchOp, KubeObject } from '@mesh/injector';
import { parseSettings } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { galleySpecs } from '../config.js';
import { injectionSettingsFrom } from './inject-settings.js';
import { createSelfSignedCertificate } from './self-signed-cert.js';
import type { WebhookMetrics } from './webhook-server.js';
import { WebhookServer } from './webhook-server.js';

function post(port: number, ca: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', servername: 'localhost', port, path: '/inject', method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' }, timeout: 5000 },
      (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'shipping-v2-5c7f-', namespace: 'shop', labels: { app: 'shipping-service', version: 'v2' } },
  spec: { serviceAccountName: 'shipping', containers: [{ name: 'shipping', image: 'ts-mesh:0.1.0', ports: [{ containerPort: 9083, name: 'http' }] }] },
};
const review = (object: unknown) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'c0ffee', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', object } });

describe('WebhookServer POST /inject', () => {
  const tls = createSelfSignedCertificate({ commonName: 'test', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const counts: Record<string, number> = {};
  const metrics: WebhookMetrics = { recordReview: (e, r) => void (counts[`${e}:${r}`] = (counts[`${e}:${r}`] ?? 0) + 1) };
  const parsed = parseSettings(galleySpecs, [], { MESH_GALLEY_INJECT_SIDECAR_IMAGE: 'registry.example.com/ts-mesh:1.2.3', MESH_GALLEY_INJECT_MIXER_ADDRESS: 'none' });
  if (parsed.help) throw new Error('unexpected --help');
  const injection = injectionSettingsFrom(parsed.settings);
  let server: WebhookServer;

  beforeAll(async () => {
    server = new WebhookServer({ host: '127.0.0.1', port: 0, tls, logger: silentLogger(), metrics, injection });
    await server.start();
  });
  afterAll(() => server.stop());

  it('takes its settings from MESH_GALLEY_INJECT_*, the rest from the injector defaults', () => {
    expect(injection).toEqual({ ...DEFAULT_INJECTION_SETTINGS, sidecarImage: 'registry.example.com/ts-mesh:1.2.3', mixerAddress: '' });
  });

  it('answers a Pod CREATE over HTTPS with a JSON patch that yields what kube-inject yields', async () => {
    const res = await post(server.port, tls.certPem, review(pod));
    expect(res.status).toBe(200);
    const response = res.body['response'] as { uid: string; allowed: boolean; patchType: string; patch: string };
    expect(response).toMatchObject({ uid: 'c0ffee', allowed: true, patchType: 'JSONPatch' });
    const patched = applyPodPatch(pod, JSON.parse(Buffer.from(response.patch, 'base64').toString()) as JsonPatchOp[]);
    expect(patched).toEqual(kubeInjectObjects([pod], injection).objects[0]);
    const containers = (patched['spec'] as { containers: Array<{ name: string; image: string }> }).containers;
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['istio-proxy', 'registry.example.com/ts-mesh:1.2.3'],
      ['shipping', 'ts-mesh:0.1.0'],
    ]);
    expect(counts['inject:injected']).toBe(1);
  });

  it('allows an opted-out pod unchanged, and answers 400 to a body that is not a review', async () => {
    const optedOut = { ...pod, metadata: { ...pod.metadata, annotations: { 'sidecar.istio.io/inject': 'false' } } };
    const res = await post(server.port, tls.certPem, review(optedOut));
    expect(res.body).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'c0ffee', allowed: true } });
    const bad = await post(server.port, tls.certPem, JSON.stringify({ kind: 'Pod' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ kind: 'Status', code: 400 });
    expect(counts).toMatchObject({ 'inject:skipped': 1, 'inject:malformed': 1 });
  });
});
