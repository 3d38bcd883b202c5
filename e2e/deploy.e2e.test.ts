import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readDocuments } from '@mesh/meshctl';
import { validateKubeObject } from './kube-schema.js';

const REPO = path.join(__dirname, '..');
const KUBE = path.join(REPO, 'deploy', 'kubernetes');
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
const MESHCTL = path.join(REPO, 'packages', 'meshctl', 'bin', 'meshctl.js');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> } & Record<string, unknown>;
type Container = {
  name: string;
  image: string;
  readinessProbe?: { httpGet?: { port: number; path: string } };
  livenessProbe?: { httpGet?: { port: number; path: string } };
  resources?: { requests?: Record<string, string> };
  securityContext?: Record<string, unknown>;
};
type PodTemplate = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Container[]; securityContext?: Record<string, unknown>; serviceAccountName?: string } };

function render(dir: string): Obj[] {
  const out = execFileSync(KUBECTL!, ['kustomize', dir], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }).toString();
  return parseYaml(out);
}
/** Parses multi-document YAML (meshctl's reader). */
const parseYaml = (yaml: string): Obj[] => readDocuments(['-'], () => yaml).map((d) => d.doc as unknown as Obj);
const template = (o: Obj) => (o.spec as { template: PodTemplate }).template;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

const OVERLAYS = ['base', 'overlays/dev', 'overlays/production', 'overlays/minimal'];

(KUBECTL ? describe : describe.skip)(`deploy/kubernetes rendered by kubectl kustomize${KUBECTL ? '' : ' (skipped: kubectl is not installed; .ci/run installs it)'}`, () => {
  // describe.skip still collects: render only when kubectl is there.
  const rendered: Record<string, Obj[]> = KUBECTL ? Object.fromEntries(OVERLAYS.map((o) => [o, render(path.join(KUBE, o))])) : {};

  it.each(OVERLAYS)('%s: every object validates against the Kubernetes schemas', (overlay) => {
    const objs = rendered[overlay]!;
    expect(objs.length).toBeGreaterThan(60);
    expect(objs.flatMap(validateKubeObject)).toEqual([]);
  });

  it.each(OVERLAYS)('%s: each component has a Deployment (or StatefulSet), a Service and a PDB, hardened, with probes and requests', (overlay) => {
    const objs = rendered[overlay]!;
    const workloads = objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(workloads.length).toBeGreaterThanOrEqual(3);
    for (const w of workloads) {
      const t = template(w);
      const labels = t.metadata.labels;
      expect(objs.some((o) => o.kind === 'Service' && matches((o.spec as { selector: Record<string, string> }).selector, labels))).toBe(true);
      expect(objs.some((o) => o.kind === 'PodDisruptionBudget' && matches((o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels))).toBe(true);
      expect(t.metadata.annotations?.['sidecar.istio.io/inject']).toBe('false');
      expect(t.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      for (const c of t.spec.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(c.readinessProbe?.httpGet).toBeDefined();
        expect(c.livenessProbe?.httpGet).toBeDefined();
        // Control-plane probes go to the admin (monitoring) port, NATS's to its monitoring port.
        expect(c.readinessProbe!.httpGet!.port).toBe(w.kind === 'StatefulSet' ? 8222 : 15014);
        expect(c.readinessProbe!.httpGet!.path).toMatch(/^\/healthz/);
      }
    }
  });

  it('base and production run NATS with JetStream as a 3-replica StatefulSet; dev runs one standalone node', () => {
    for (const overlay of ['base', 'overlays/production']) {
      const nats = rendered[overlay]!.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats')!;
      expect(nats.spec!['replicas']).toBe(3);
      expect(template(nats).spec.containers[0]).toMatchObject({ args: expect.arrayContaining(['--jetstream', '--cluster_name=mesh']) });
    }
    const dev = rendered['overlays/dev']!.find((o) => o.kind === 'StatefulSet')!;
    expect(dev.spec!['replicas']).toBe(1);
    expect((template(dev).spec.containers[0] as unknown as { args: string[] }).args).toEqual(['--jetstream', '--store_dir=/data', '--http_port=8222']);
  });

  it('gives each component only the RBAC it uses: reads for Galley and Pilot, TokenReview for Citadel, nothing for Mixer and NATS', () => {
    const objs = rendered['base']!;
    const rules = (name: string) => (objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name)?.['rules'] ?? []) as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    expect(rules('mesh-galley').flatMap((r) => r.verbs)).toEqual(['get', 'list', 'watch']);
    expect(rules('mesh-pilot').every((r) => r.verbs.join() === 'get,list,watch')).toBe(true);
    expect(rules('mesh-citadel')).toEqual([{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }]);
    expect(objs.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name).sort()).toEqual(['mesh-citadel', 'mesh-galley', 'mesh-pilot']);
    for (const sa of ['mesh-mixer', 'nats']) expect(objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)).toMatchObject({ automountServiceAccountToken: false });
    for (const b of objs.filter((o) => o.kind === 'ClusterRoleBinding')) expect(b['subjects']).toEqual([{ kind: 'ServiceAccount', name: b.metadata.name, namespace: 'mesh-system' }]);
    // Citadel's root lives in one Secret of its namespace: create, and get of that name only.
    expect(objs.filter((o) => o.kind === 'Role').map((o) => [o.metadata.name, o.metadata.namespace])).toEqual([['mesh-citadel-ca-secret', 'mesh-system']]);
    expect(objs.find((o) => o.kind === 'Role')!['rules']).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['istio-ca-secret'], verbs: ['get'] },
    ]);
    expect(objs.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'mesh-citadel-ca-secret')!['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'mesh-citadel', namespace: 'mesh-system' }]);
  });

  it('registers the webhooks at Galley: /admitpilot, /admitmixer, and /inject for labelled namespaces only', () => {
    const objs = rendered['overlays/production']!;
    const mutating = objs.find((o) => o.kind === 'MutatingWebhookConfiguration')!;
    expect(mutating['webhooks']).toEqual([
      expect.objectContaining({
        clientConfig: { service: { name: 'mesh-galley', namespace: 'mesh-system', path: '/inject', port: 443 } },
        namespaceSelector: { matchLabels: { 'istio-injection': 'enabled' } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        admissionReviewVersions: ['v1'],
      }),
    ]);
    const validating = objs.find((o) => o.kind === 'ValidatingWebhookConfiguration')!;
    expect((validating['webhooks'] as Array<{ clientConfig: { service: { path: string } } }>).map((w) => w.clientConfig.service.path)).toEqual(['/admitpilot', '/admitmixer']);
    const galleySvc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'mesh-galley')!;
    expect(galleySvc.spec!['ports']).toContainEqual({ name: 'https-webhook', port: 443, targetPort: 8443 });
  });

  it('minimal leaves out Citadel, Mixer and the injector; production replicates the stateless services', () => {
    const minimal = rendered['overlays/minimal']!;
    expect(minimal.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual(['mesh-galley', 'mesh-pilot']);
    expect(minimal.some((o) => o.kind === 'MutatingWebhookConfiguration')).toBe(false);
    const prod = rendered['overlays/production']!;
    expect(Object.fromEntries(prod.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o.spec!['replicas']]))).toEqual({ 'mesh-citadel': 1, 'mesh-galley': 2, 'mesh-mixer': 2, 'mesh-pilot': 2 });
  });

  it.each([
    ['demo', 'overlays/dev'],
    ['default', 'overlays/production'],
    ['minimal', 'overlays/minimal'],
  ])('meshctl install --profile %s renders %s', async (profile, overlay) => {
    const { code, out, err } = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(process.execPath, [MESHCTL, 'install', '--profile', profile], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (e, o, s) => resolve({ code: e ? 1 : 0, out: o, err: s })),
    );
    expect(code).toBe(0);
    const objs = parseYaml(out);
    expect(objs).toEqual(rendered[overlay]);
    expect(err).toContain(`profile ${profile}: ${objs.length} objects`);
  });
});
