import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binPath, Supervisor } from '@mesh/local-mesh';
import { freePort, NatsServerProcess } from '@mesh/runtime';
import { CustomObjectsApi, KubeConfig, loadYaml, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { istioCorpusDir, readCorpusDocuments } from '@mesh/galley/testing';

/** The Istio YAML corpus beside the repository (`<repo>/../shared/conformance/istio`, or MESH_CONFORMANCE_DIR). */
const CORPUS = istioCorpusDir();
// JSON is YAML: kubeconfig, the tokens file and edited documents are written as JSON.
const stringify = (v: unknown): string => JSON.stringify(v, null, 2);
/** Real Istio files covering namespaced and cluster-scoped kinds of the three API families. */
const FILES = [
  'bookinfo-gateway.yaml',
  'bookinfo-destination-rule-all.yaml',
  'bookinfo-egress-rule-google-apis.yaml',
  'bookinfo-policy-mixer-rule-deny-label.yaml',
  'authz-builder-1.4-v1alpha1-all-fields-in.yaml',
];
const NAMESPACE = 'kubectl-e2e';
const ADMIN_TOKEN = 'e2e-admin-token-7d1c2f';
const READER_TOKEN = 'e2e-reader-token-93ab10';

/** kubectl from Debian's kubernetes-client (CI installs it); the suite fails, not skips, without it. */
function findKubectl(): string {
  for (const p of [process.env['KUBECTL'], '/usr/bin/kubectl', ...(process.env['PATH'] ?? '').split(':').map((d) => path.join(d, 'kubectl'))]) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error('kubectl not found: install it (Debian: apt-get install -y kubernetes-client) or set KUBECTL; .ci/run installs it');
}

interface Run {
  code: number;
  out: string;
  err: string;
}

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: unknown;
}

describe('kubectl against Galley', () => {
  const kubectl = findKubectl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-e2e-'));
  let nats: NatsServerProcess;
  let sup: Supervisor;

  const run = (args: string[], token = ADMIN_TOKEN): Promise<Run> =>
    new Promise((resolve) => {
      const kubeconfig = path.join(dir, token === ADMIN_TOKEN ? 'admin.kubeconfig' : 'reader.kubeconfig');
      execFile(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { timeout: 60_000 }, (err, out, errOut) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut });
      });
    });
  const docsOf = (file: string): Doc[] => readCorpusDocuments(file) as Doc[];
  const resourceOf = (d: Doc): string => `${d.kind.toLowerCase()}.${d.apiVersion.split('/')[0]}/${d.metadata.name}`;

  beforeAll(async () => {
    for (const f of FILES) if (!fs.existsSync(path.join(CORPUS, f))) throw new Error(`corpus file ${f} is missing from ${CORPUS}; set MESH_CONFORMANCE_DIR`);
    nats = await NatsServerProcess.start();
    sup = new Supervisor(path.join(dir, 'logs'));
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    const tokens = { tokens: [
      { token: ADMIN_TOKEN, user: 'e2e-admin', roles: { admin: ['*'] } },
      { token: READER_TOKEN, user: 'e2e-reader', roles: { read: ['*'] } },
    ] };
    fs.writeFileSync(path.join(dir, 'tokens.yaml'), stringify(tokens));
    // kubectl sends bearer tokens only over HTTPS (kubernetes/kubectl#744): serve the API with a throwaway certificate.
    const cert = path.join(dir, 'api.crt');
    const key = path.join(dir, 'api.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=galley', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    for (const [file, token] of [['admin.kubeconfig', ADMIN_TOKEN], ['reader.kubeconfig', READER_TOKEN]] as const) {
      fs.writeFileSync(
        path.join(dir, file),
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'galley', cluster: { server: `https://127.0.0.1:${apiPort}`, 'certificate-authority-data': fs.readFileSync(cert).toString('base64') } }],
          users: [{ name: 'e2e', user: { token } }],
          contexts: [{ name: 'galley', context: { cluster: 'galley', user: 'e2e', namespace: NAMESPACE } }],
          'current-context': 'galley',
        }),
      );
    }
    const p = sup.start('galley', process.execPath, [binPath('galley')], {
      MESH_NATS_URL: nats.url,
      MESH_GALLEY_API_PORT: String(apiPort),
      MESH_GALLEY_API_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: String(adminPort),
      MESH_GALLEY_TOKENS_FILE: path.join(dir, 'tokens.yaml'),
      MESH_GALLEY_API_TLS_CERT_FILE: cert,
      MESH_GALLEY_API_TLS_KEY_FILE: key,
    });
    await sup.waitReady(p, async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`)).ok, 30000);
  });

  afterAll(async () => {
    await sup?.stopAll();
    await nats?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies real Istio YAML (validation on, no --validate=false) and reports each object created', async () => {
    const r = await run(['apply', ...FILES.flatMap((f) => ['-f', path.join(CORPUS, f)])]);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const expected = FILES.flatMap(docsOf).map((d) => `${resourceOf(d)} created`);
    expect(r.out.trim().split('\n').sort()).toEqual(expected.sort());
  });

  it('gets what it applied, as a table, by category, and as YAML equal to the file', async () => {
    const table = await run(['get', 'virtualservices']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^NAME\s+AGE\n/);
    expect(table.out).toContain('bookinfo');
    const all = await run(['get', 'istio-io', '-o', 'name']);
    expect(all.out).toContain('gateway.networking.istio.io/bookinfo-gateway');
    expect(all.out).toContain('clusterrbacconfig.rbac.istio.io/default');

    const dr = docsOf('bookinfo-destination-rule-all.yaml')[0]!;
    const y = await run(['get', 'destinationrule', dr.metadata.name, '-o', 'yaml']);
    expect(y.code).toBe(0);
    expect(y.out).toMatch(/^apiVersion: networking\.istio\.io\/v1alpha3\nkind: DestinationRule\n/);
    const got = loadYaml<Doc & { metadata: { resourceVersion: string; namespace: string } }>(y.out);
    expect(got.spec).toEqual(dr.spec);
    expect(got.metadata.namespace).toBe(dr.metadata.namespace ?? NAMESPACE);
    expect(got.metadata.resourceVersion).toMatch(/^\d+$/);
    const byLabel = await run(['get', 'dr', '-l', 'missing-label', '-o', 'name']);
    expect(byLabel.out).toBe('');
  });

  it('re-applies as unchanged, and as configured after a change', async () => {
    const again = await run(['apply', '-f', path.join(CORPUS, 'bookinfo-destination-rule-all.yaml')]);
    expect(again.code).toBe(0);
    expect(again.out.trim().split('\n').every((l) => l.endsWith(' unchanged'))).toBe(true);
    const docs = docsOf('bookinfo-destination-rule-all.yaml');
    const changed = { ...docs[0]!, spec: { ...(docs[0]!.spec as object), trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } } };
    const file = path.join(dir, 'changed.json');
    fs.writeFileSync(file, stringify(changed));
    const r = await run(['apply', '-f', file]);
    expect(r.out.trim()).toBe(`${resourceOf(changed)} configured`);
  });

  it('patches (merge and JSON Patch), labels, and shows a refused strategic merge patch', async () => {
    const name = docsOf('bookinfo-destination-rule-all.yaml')[1]!.metadata.name;
    expect((await run(['patch', 'dr', name, '--type', 'merge', '-p', '{"metadata":{"labels":{"team":"books"}}}'])).out).toContain('patched');
    expect((await run(['patch', 'dr', name, '--type', 'json', '-p', '[{"op":"test","path":"/metadata/labels/team","value":"books"}]'])).code).toBe(0);
    expect((await run(['label', 'dr', name, 'tier=backend'])).out).toContain('labeled');
    expect((await run(['get', 'dr', '-l', 'team=books,tier=backend', '-o', 'name'])).out.trim()).toBe(`destinationrule.networking.istio.io/${name}`);
    const smp = await run(['patch', 'dr', name, '-p', '{"metadata":{"labels":{"x":"y"}}}']);
    expect(smp.code).not.toBe(0);
    expect(smp.err).toContain('strategic merge patch is not supported for custom resources');
  });

  it('shows why an invalid document is refused, and stores nothing', async () => {
    const file = path.join(dir, 'invalid.json');
    fs.writeFileSync(file, stringify({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'broken' }, spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' }, weight: 101 }] }] } }));
    const r = await run(['apply', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('spec.http[0].route[0].weight');
    expect((await run(['get', 'vs', 'broken'])).err).toContain('NotFound');
  });

  it('is refused as a read-only user, naming the user and the verb', async () => {
    const r = await run(['delete', 'gateway', 'bookinfo-gateway'], READER_TOKEN);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('User "e2e-reader" cannot delete resource "gateways"');
    expect((await run(['get', 'gateways', '-o', 'name'], READER_TOKEN)).out).toContain('bookinfo-gateway');
  });

  it('deletes what it applied', async () => {
    const r = await run(['delete', ...FILES.flatMap((f) => ['-f', path.join(CORPUS, f)])]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(FILES.flatMap(docsOf).length);
    expect(r.out).toMatch(/"bookinfo-gateway" deleted/);
    expect((await run(['get', 'istio-io', '-o', 'name'])).out).toBe('');
  });
});

describe('@kubernetes/client-node against Galley', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-node-e2e-'));
  const TOKEN = 'client-node-token-5f2e8a';
  const G = { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices' };
  const ns = 'client-node';
  let nats: NatsServerProcess;
  let sup: Supervisor;
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  const vs = (name: string, subset = 'v1') => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name, labels: { app: 'reviews' } },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset } }] }] },
  });

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    sup = new Supervisor(path.join(dir, 'logs'));
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    const cert = path.join(dir, 'api.crt');
    const key = path.join(dir, 'api.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=galley', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'tokens.yaml'), JSON.stringify({ tokens: [{ token: TOKEN, user: 'client-node', roles: { write: [ns] } }] }));
    const p = sup.start('galley', process.execPath, [binPath('galley')], {
      MESH_NATS_URL: nats.url,
      MESH_GALLEY_API_PORT: String(apiPort),
      MESH_GALLEY_API_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: String(adminPort),
      MESH_GALLEY_TOKENS_FILE: path.join(dir, 'tokens.yaml'),
      MESH_GALLEY_API_TLS_CERT_FILE: cert,
      MESH_GALLEY_API_TLS_KEY_FILE: key,
    });
    await sup.waitReady(p, async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`)).ok, 30000);
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'galley', server: `https://127.0.0.1:${apiPort}`, caData: fs.readFileSync(cert).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'client', token: TOKEN }],
      contexts: [{ name: 'galley', cluster: 'galley', user: 'client', namespace: ns }],
      currentContext: 'galley',
    });
    api = kc.makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await sup?.stopAll();
    await nats?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, gets, lists, patches (merge and JSON Patch) and deletes with CustomObjectsApi', async () => {
    const created = (await api.createNamespacedCustomObject({ ...G, namespace: ns, body: vs('reviews') })) as { metadata: { resourceVersion: string; namespace: string } };
    expect(created.metadata.namespace).toBe(ns);
    const got = (await api.getNamespacedCustomObject({ ...G, namespace: ns, name: 'reviews' })) as { spec: unknown };
    expect(got.spec).toEqual(vs('reviews').spec);
    const list = (await api.listNamespacedCustomObject({ ...G, namespace: ns, labelSelector: 'app=reviews' })) as { kind: string; items: Array<{ metadata: { name: string } }> };
    expect(list.kind).toBe('VirtualServiceList');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['reviews']);

    const merged = (await api.patchNamespacedCustomObject(
      { ...G, namespace: ns, name: 'reviews', body: { metadata: { labels: { tier: 'backend' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { metadata: { labels: Record<string, string> } };
    expect(merged.metadata.labels).toEqual({ app: 'reviews', tier: 'backend' });
    // The generated client's default patch type is JSON Patch.
    const patched = (await api.patchNamespacedCustomObject({
      ...G,
      namespace: ns,
      name: 'reviews',
      body: [
        { op: 'test', path: '/metadata/labels/tier', value: 'backend' },
        { op: 'replace', path: '/spec/http/0/route/0/destination/subset', value: 'v2' },
      ],
    })) as { spec: { http: Array<{ route: Array<{ destination: { subset: string } }> }> } };
    expect(patched.spec.http[0]!.route[0]!.destination.subset).toBe('v2');

    const stale = await api
      .replaceNamespacedCustomObject({ ...G, namespace: ns, name: 'reviews', body: { ...vs('reviews'), metadata: { ...vs('reviews').metadata, resourceVersion: created.metadata.resourceVersion } } })
      .catch((e: unknown) => e as { code?: number });
    expect(stale).toMatchObject({ code: 409 });
    const forbidden = await api.listNamespacedCustomObject({ ...G, namespace: 'elsewhere' }).catch((e: unknown) => e as { code?: number; body?: string });
    expect(forbidden).toMatchObject({ code: 403 });

    await api.deleteNamespacedCustomObject({ ...G, namespace: ns, name: 'reviews' });
    const gone = await api.getNamespacedCustomObject({ ...G, namespace: ns, name: 'reviews' }).catch((e: unknown) => e as { code?: number });
    expect(gone).toMatchObject({ code: 404 });
  });

  it('watches: ADDED, MODIFIED and DELETED events from a resourceVersion, then closes cleanly', async () => {
    const list = (await api.listNamespacedCustomObject({ ...G, namespace: ns })) as { metadata: { resourceVersion: string } };
    const events: string[] = [];
    let closed: ((err: unknown) => void) | undefined;
    const done = new Promise<unknown>((resolve) => (closed = resolve));
    const controller = await new Watch(kc).watch(
      `/apis/${G.group}/${G.version}/namespaces/${ns}/${G.plural}`,
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: { metadata: { name: string } }) => events.push(`${type} ${obj.metadata.name}`),
      (err: unknown) => closed!(err),
    );
    await api.createNamespacedCustomObject({ ...G, namespace: ns, body: vs('watched') });
    await api.patchNamespacedCustomObject({ ...G, namespace: ns, name: 'watched', body: { metadata: { labels: { n: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await api.deleteNamespacedCustomObject({ ...G, namespace: ns, name: 'watched' });
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    controller.abort();
    await done;
  });
});
