import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createSelfSignedCertificate } from '@mesh/galley';
import { binPath, Supervisor } from '@mesh/local-mesh';
import { readDocuments } from '@mesh/meshctl';
import { freePort, NatsServerProcess } from '@mesh/runtime';
import { validateKubeObject } from './kube-schema.js';

const FIXTURES = path.join(__dirname, '..', 'packages', 'injector', 'src', 'testdata');
const MESHCTL = path.join(__dirname, '..', 'packages', 'meshctl', 'bin', 'meshctl.js');

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata?: { name?: string; generateName?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> } };
type PodSpec = { containers: Array<{ name: string }>; initContainers?: Array<{ name: string }>; volumes?: Array<{ name: string }> };

/** Runs the real meshctl binary (built dist/), as a user does. */
function meshctl(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MESHCTL, ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, out, errOut) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Parses multi-document YAML (meshctl's reader: a `List` is unwrapped). */
const docs = (yaml: string): Obj[] => readDocuments(['-'], () => yaml).map((d) => d.doc as unknown as Obj);
const podSpecOf = (o: Obj): PodSpec => {
  const spec = o['spec'] as Record<string, unknown>;
  if (o.kind === 'Pod') return spec as unknown as PodSpec;
  if (o.kind === 'CronJob') return ((spec['jobTemplate'] as { spec: { template: { spec: PodSpec } } }).spec.template.spec);
  return (spec['template'] as { spec: PodSpec }).spec;
};
const names = (list?: Array<{ name: string }>) => (list ?? []).map((c) => c.name);

/** POSTs one AdmissionReview to Galley's /inject over HTTPS, trusting only its certificate. */
function review(port: number, ca: string, pod: Obj): Promise<{ uid: string; allowed: boolean; patch?: string; patchType?: string }> {
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: `uid-${pod.metadata?.name ?? pod.metadata?.generateName}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'CREATE', namespace: pod.metadata?.namespace ?? 'default', object: pod },
  });
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path: '/inject', method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${data}`));
        resolve((JSON.parse(data) as { response: { uid: string; allowed: boolean; patch?: string } }).response);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Applies the webhook's JSON Patch (add / replace of members, RFC 6902) the way the API server does. */
function applyPatch(obj: Obj, patchB64: string): Obj {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of JSON.parse(Buffer.from(patchB64, 'base64').toString()) as Array<{ op: string; path: string; value: unknown }>) {
    expect(['add', 'replace']).toContain(op.op);
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let at = out;
    for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
    at[parts.at(-1)!] = op.value;
  }
  return out as Obj;
}

describe('sidecar injection: meshctl kube-inject and Galley\'s /inject webhook on real workload YAML', () => {
  let nats: NatsServerProcess;
  let sup: Supervisor;
  let webhookPort: number;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inject-e2e-'));
  const tls = createSelfSignedCertificate({ commonName: 'mesh-galley.mesh-system.svc', dnsNames: ['localhost', 'mesh-galley.mesh-system.svc'], ipAddresses: ['127.0.0.1'] });

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, 'tls.crt'), tls.certPem);
    fs.writeFileSync(path.join(dir, 'tls.key'), tls.keyPem, { mode: 0o600 });
    nats = await NatsServerProcess.start();
    sup = new Supervisor(path.join(dir, 'logs'));
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    webhookPort = await freePort();
    const p = sup.start('galley', process.execPath, [binPath('galley')], {
      MESH_NATS_URL: nats.url,
      MESH_GALLEY_API_PORT: String(apiPort),
      MESH_ADMIN_PORT: String(adminPort),
      MESH_GALLEY_ANONYMOUS: 'true',
      MESH_GALLEY_WEBHOOK_ENABLED: 'true',
      MESH_GALLEY_WEBHOOK_HOST: '127.0.0.1',
      MESH_GALLEY_WEBHOOK_PORT: String(webhookPort),
      MESH_GALLEY_WEBHOOK_CERT_FILE: path.join(dir, 'tls.crt'),
      MESH_GALLEY_WEBHOOK_KEY_FILE: path.join(dir, 'tls.key'),
    });
    await sup.waitReady(p, async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`)).ok, 30_000);
  });

  afterAll(async () => {
    await sup?.stopAll();
    await nats?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the schema check can fail: it names unknown fields, wrong types and missing required fields', () => {
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ image: 'a', ports: [{ containerPort: '80' }], sidecar: true }] } };
    expect(validateKubeObject(bad)).toEqual([
      'Pod/x.spec.containers[0].ports[0].containerPort: must be a number, got "80"',
      'Pod/x.spec.containers[0].sidecar: unknown field (V1Container)',
      'Pod/x.spec.containers[0].name: required (V1Container)',
    ]);
  });

  it.each(['bookinfo.yaml', 'workloads.yaml', 'pods.yaml'])('kube-inject %s: every object validates against the Kubernetes schemas, with exactly the expected containers', async (file) => {
    const input = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
    for (const o of docs(input)) expect(validateKubeObject(o)).toEqual([]);
    const r = await meshctl(['kube-inject', '-f', path.join(FIXTURES, file)]);
    expect(r.code).toBe(0);
    const out = docs(r.out);
    expect(out).toHaveLength(docs(input).length);
    for (const o of out) expect(validateKubeObject(o)).toEqual([]);
    const containers = Object.fromEntries(
      out.filter((o) => ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'].includes(o.kind)).map((o) => [`${o.kind}/${o.metadata?.name ?? o.metadata?.generateName}`, [names(podSpecOf(o).initContainers), names(podSpecOf(o).containers)]]),
    );
    const expected: Record<string, Record<string, [string[], string[]]>> = {
      'bookinfo.yaml': {
        'Deployment/productpage-v1': [['istio-init'], ['istio-proxy', 'productpage']],
        'Deployment/reviews-v2': [['istio-init'], ['istio-proxy', 'reviews']],
      },
      'workloads.yaml': {
        'StatefulSet/ratings-db': [['init-schema', 'istio-init'], ['istio-proxy', 'mysql']],
        'CronJob/nightly-report': [['istio-init'], ['istio-proxy', 'report']],
        'Deployment/old-billing': [[], ['billing']],
        'DaemonSet/node-exporter': [[], ['node-exporter']],
      },
      'pods.yaml': {
        'Pod/shipping-v1-7d9c8b6f5-': [['istio-init'], ['istio-proxy', 'shipping']],
        'Pod/debug-shell': [[], ['shell']],
        'Pod/curl-client': [['istio-init'], ['istio-proxy', 'curl']],
      },
    };
    expect(containers).toEqual(expected[file]);
    const workloads = out.filter((o) => ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'].includes(o.kind));
    for (const o of workloads.filter((x) => names(podSpecOf(x).containers).includes('istio-proxy'))) {
      expect(names(podSpecOf(o).volumes)).toEqual(expect.arrayContaining(['istio-envoy', 'istio-token', 'mesh-ca-root-cert']));
    }
  });

  it('the webhook gives every pod exactly what kube-inject gives it, and its patched pods validate', async () => {
    const pods: Obj[] = [];
    for (const file of ['bookinfo.yaml', 'workloads.yaml', 'pods.yaml']) {
      for (const o of docs(fs.readFileSync(path.join(FIXTURES, file), 'utf8'))) {
        if (o.kind === 'Pod') pods.push(o);
        else if (['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata?.namespace !== 'legacy') {
          // What the workload controller creates: the template as a Pod.
          const t = (o['spec'] as { template: { metadata?: Obj['metadata']; spec: unknown } }).template;
          pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { ...t.metadata, generateName: `${o.metadata!.name}-`, namespace: o.metadata?.namespace ?? 'default' }, spec: t.spec });
        }
      }
    }
    let injected = 0;
    for (const pod of pods) {
      const res = await review(webhookPort, tls.certPem, pod);
      expect(res).toMatchObject({ uid: `uid-${pod.metadata?.name ?? pod.metadata?.generateName}`, allowed: true });
      const viaWebhook = res.patch ? applyPatch(pod, res.patch) : pod;
      if (res.patch) injected++;
      const viaKubeInject = docs((await meshctl(['kube-inject', '-f', '-'], JSON.stringify(pod))).out)[0];
      expect(viaWebhook).toEqual(viaKubeInject);
      expect(validateKubeObject(viaWebhook)).toEqual([]);
    }
    expect(injected).toBe(pods.length - 1); // all but the opted-out debug-shell
  });

  it('kube-inject takes the image and addresses as flags and says what it skipped', async () => {
    const r = await meshctl(['kube-inject', '-f', path.join(FIXTURES, 'workloads.yaml'), '--sidecar-image', 'registry.example.com/ts-mesh-proxy:1.0', '--citadel-address', 'none', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'Deployment/old-billing: not injected: namespace is labelled istio-injection=disabled\n' +
        "DaemonSet/node-exporter: not injected: hostNetwork pods are never injected (the redirect would capture the node's traffic)\n",
    );
    const list = JSON.parse(r.out) as { kind: string; items: Obj[] };
    expect(list.kind).toBe('List');
    const db = podSpecOf(list.items.find((o) => o.kind === 'StatefulSet')!) as PodSpec & { containers: Array<{ name: string; image: string }> };
    expect(db.containers[0]).toMatchObject({ name: 'istio-proxy', image: 'registry.example.com/ts-mesh-proxy:1.0' });
    expect(names(db.volumes)).toEqual(['istio-envoy']);
  });
});
