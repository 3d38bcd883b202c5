import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KINDS } from '@mesh/shared-api';
import { connectNats, parseSettings } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { isPortOpen, NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { galleySpecs } from '../config.js';
import type { GalleySettings } from '../config.js';
import { startGalley } from '../galley-process.js';
import { KvConfigStore } from '../store/kv-config-store.js';
import { FakeKubeApi } from '../testing/fake-kube-api.js';
import { createSelfSignedCertificate } from '../webhooks/self-signed-cert.js';
import { SOURCE_ANNOTATION } from './ownership.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const vs = (name: string) => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name, namespace: 'default' },
  spec: { hosts: [name], http: [{ route: [{ destination: { host: name } }] }] },
});

function settings(env: Record<string, string>): GalleySettings {
  const base = { MESH_ADMIN_PORT: '0', MESH_GALLEY_API_PORT: '0', MESH_GALLEY_API_HOST: '127.0.0.1', MESH_ADMIN_HOST: '127.0.0.1', MESH_GALLEY_ANONYMOUS: 'true' };
  const parsed = parseSettings(galleySpecs, [], { ...base, ...env });
  if (parsed.help) throw new Error('unexpected help');
  return parsed.settings;
}

function review(port: number, ca: string | undefined, object: unknown): Promise<{ allowed: boolean; subject: string }> {
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: 'networking.istio.io', version: 'v1alpha3', kind: 'VirtualService' }, operation: 'CREATE', namespace: 'default', object } });
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path: '/admitpilot', method: 'POST', ca, rejectUnauthorized: ca !== undefined, agent: false, timeout: 5000, headers: { 'content-type': 'application/json' } }, (res) => {
      const subject = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ allowed: (JSON.parse(data) as { response: { allowed: boolean } }).response.allowed, subject }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('startGalley with config sources and webhooks', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let api: FakeKubeApi;
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-sources-'));

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'sources-test', timeoutMs: 5000, logger: silentLogger() });
    api = await FakeKubeApi.start();
  });
  afterAll(async () => {
    await api.stop();
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the CRD watch, the config directory and the webhooks, with readiness and metrics', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    const configDir = path.join(dir, 'config');
    mkdirSync(configDir);
    writeFileSync(path.join(configDir, 'mesh.yaml'), JSON.stringify(vs('from-dir')));
    const tls = createSelfSignedCertificate({ commonName: 'from-files', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    writeFileSync(path.join(dir, 'tls.crt'), tls.certPem);
    writeFileSync(path.join(dir, 'tls.key'), tls.keyPem);
    api.apply(vs('from-cluster'));

    const galley = await startGalley(
      settings({
        MESH_NATS_URL: nats.url,
        MESH_GALLEY_KUBE_WATCH: 'true',
        MESH_GALLEY_KUBECONFIG: kubeconfig,
        MESH_GALLEY_CONFIG_DIR: configDir,
        MESH_GALLEY_WEBHOOK_ENABLED: 'true',
        MESH_GALLEY_WEBHOOK_PORT: '0',
        MESH_GALLEY_WEBHOOK_HOST: '127.0.0.1',
        MESH_GALLEY_WEBHOOK_CERT_FILE: path.join(dir, 'tls.crt'),
        MESH_GALLEY_WEBHOOK_KEY_FILE: path.join(dir, 'tls.key'),
      }),
      silentLogger(),
    );
    const store = await KvConfigStore.open({ nc, logger: silentLogger() });
    const admin = `http://127.0.0.1:${galley.adminPort}`;
    try {
      await until('ready', async () => (await fetch(`${admin}/healthz/ready`)).status === 200);
      expect(((await (await fetch(`${admin}/healthz/ready`)).json()) as { checks: Record<string, boolean> }).checks).toMatchObject({ 'kube-synced': true, 'config-dir-synced': true });
      expect((await store.get(VS, 'default', 'from-cluster'))?.metadata.annotations?.[SOURCE_ANNOTATION]).toBe('kubernetes');
      expect((await store.get(VS, 'default', 'from-dir'))?.metadata.annotations?.[SOURCE_ANNOTATION]).toBe('directory');
      // The API serves what the sources stored.
      const listed = (await (await fetch(`http://127.0.0.1:${galley.apiPort}/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices`)).json()) as { items: { metadata: { name: string } }[] };
      expect(listed.items.map((i) => i.metadata.name)).toEqual(expect.arrayContaining(['from-cluster', 'from-dir']));

      expect(galley.webhookPort).toBeGreaterThan(0);
      expect(await review(galley.webhookPort!, tls.certPem, vs('ok'))).toEqual({ allowed: true, subject: 'from-files' });
      expect((await review(galley.webhookPort!, tls.certPem, { ...vs('bad'), spec: { hosts: 'x' } })).allowed).toBe(false);

      const metrics = await (await fetch(`${admin}/metrics`)).text();
      expect(metrics).toMatch(/^galley_source_writes_total\{source="kubernetes",kind="VirtualService",op="create"\} 1$/m);
      expect(metrics).toMatch(/^galley_source_writes_total\{source="directory",kind="VirtualService",op="create"\} 1$/m);
      expect(metrics).toMatch(/^galley_webhook_reviews_total\{endpoint="pilot",result="denied"\} 1$/m);
    } finally {
      store.close();
      await galley.stop();
    }
    expect(await isPortOpen('127.0.0.1', galley.webhookPort!)).toBe(false);
  });

  it('generates a self-signed webhook certificate when no files are given', async () => {
    const galley = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_WEBHOOK_ENABLED: 'true', MESH_GALLEY_WEBHOOK_PORT: '0', MESH_GALLEY_WEBHOOK_HOST: '127.0.0.1' }), silentLogger());
    try {
      expect(await review(galley.webhookPort!, undefined, vs('ok'))).toEqual({ allowed: true, subject: 'mesh-galley' });
    } finally {
      await galley.stop();
    }
  });

  it.each([
    ['a config directory that does not exist', { MESH_GALLEY_CONFIG_DIR: '/nonexistent/mesh-config' }, 'is not a readable directory'],
    ['only one of the webhook certificate files', { MESH_GALLEY_WEBHOOK_ENABLED: 'true', MESH_GALLEY_WEBHOOK_PORT: '0', MESH_GALLEY_WEBHOOK_CERT_FILE: '/x.crt' }, 'set both'],
    ['an unreadable kubeconfig', { MESH_GALLEY_KUBE_WATCH: 'true', MESH_GALLEY_KUBECONFIG: '/nonexistent/kubeconfig' }, 'cannot load the kubeconfig /nonexistent/kubeconfig'],
  ])('fails start-up on %s', async (_name, env, message) => {
    const err = await startGalley(settings({ MESH_NATS_URL: nats.url, ...env }), silentLogger()).catch((e: unknown) => e);
    expect(String(err)).toContain(message);
  });
});
