import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyPodPatch, reviewInjection } from './inject-review.js';
import type { JsonPatchOp } from './inject-review.js';
import { kubeInjectObjects, kubeInjectYaml } from './kube-inject.js';
import type { KubeObject, PodTemplate } from './kube-types.js';
import { DEFAULT_INJECTION_SETTINGS } from './settings.js';

const read = (file: string): string => fs.readFileSync(path.join(__dirname, 'testdata', file), 'utf8');
const objects = (file: string): KubeObject[] => parseAllDocuments(read(file)).map((d) => d.toJS() as KubeObject);
const review = (object: unknown, operation = 'CREATE', kind = 'Pod') => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'a1b2', kind: { group: '', version: 'v1', kind }, resource: { group: '', version: 'v1', resource: 'pods' }, operation, namespace: 'shop', object },
});
/** What the webhook makes of a pod: the review's patch applied to it. */
function throughWebhook(pod: KubeObject): KubeObject {
  const out = reviewInjection(review(pod), DEFAULT_INJECTION_SETTINGS);
  if (!out.ok) throw new Error(out.message);
  const { response } = out.review;
  if (!response.patch) return pod;
  return applyPodPatch(pod, JSON.parse(Buffer.from(response.patch, 'base64').toString()) as JsonPatchOp[]);
}

describe('kubeInjectObjects', () => {
  it('injects the workloads of every kind and says what it did with each object', () => {
    const { objects: out, outcomes } = kubeInjectObjects([...objects('bookinfo.yaml'), ...objects('workloads.yaml')], DEFAULT_INJECTION_SETTINGS);
    expect(outcomes.map((o) => [o.kind, o.name, o.result])).toEqual([
      ['Service', 'productpage', 'not-a-workload'],
      ['ServiceAccount', 'bookinfo-productpage', 'not-a-workload'],
      ['Deployment', 'productpage-v1', 'injected'],
      ['Deployment', 'reviews-v2', 'injected'],
      ['Namespace', 'legacy', 'not-a-workload'],
      ['StatefulSet', 'ratings-db', 'injected'],
      ['CronJob', 'nightly-report', 'injected'],
      ['Deployment', 'old-billing', 'skipped'],
      ['DaemonSet', 'node-exporter', 'skipped'],
      ['ConfigMap', 'report-settings', 'not-a-workload'],
    ]);
    expect(outcomes.find((o) => o.name === 'old-billing')!.reason).toBe('namespace is labelled istio-injection=disabled');
    const cron = out.find((o) => o.kind === 'CronJob')!;
    const cronPod = ((cron['spec'] as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template);
    expect(cronPod.spec.containers.map((c) => c.name)).toEqual(['istio-proxy', 'report']);
    expect(out.find((o) => o.kind === 'Service')).toEqual(objects('bookinfo.yaml')[0]);
  });

  it('is idempotent: injecting the output again changes nothing', () => {
    const once = kubeInjectYaml(read('bookinfo.yaml'), DEFAULT_INJECTION_SETTINGS).yaml;
    const twice = kubeInjectYaml(once, DEFAULT_INJECTION_SETTINGS);
    expect(twice.yaml).toBe(once);
    expect(twice.outcomes.filter((o) => o.kind === 'Deployment').map((o) => o.reason)).toEqual(['already injected', 'already injected']);
  });
});

describe('reviewInjection (the /inject webhook)', () => {
  it.each(objects('pods.yaml').map((p) => [p.metadata?.name ?? p.metadata?.generateName, p] as const))('gives pod %s exactly what kube-inject gives it', (_name, pod) => {
    const viaKubeInject = kubeInjectObjects([pod], DEFAULT_INJECTION_SETTINGS).objects[0];
    expect(throughWebhook(pod)).toEqual(viaKubeInject);
  });

  it('gives a Deployment\'s pod the template kube-inject writes into the Deployment', () => {
    for (const d of objects('bookinfo.yaml').filter((o) => o.kind === 'Deployment')) {
      const template = (d['spec'] as { template: PodTemplate }).template;
      // What the ReplicaSet controller sends: the template as a Pod with a generated name.
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, generateName: `${d.metadata!.name}-` }, spec: template.spec };
      const injected = (kubeInjectObjects([d], DEFAULT_INJECTION_SETTINGS).objects[0]!['spec'] as { template: PodTemplate }).template;
      const viaWebhook = throughWebhook(pod) as unknown as PodTemplate;
      expect(viaWebhook.spec).toEqual(injected.spec);
      expect(viaWebhook.metadata!.annotations).toEqual(injected.metadata!.annotations);
    }
  });

  it('answers with the request uid and a base64 JSON patch of add/replace operations', () => {
    const pod = objects('pods.yaml')[0]!;
    const out = reviewInjection(review(pod), DEFAULT_INJECTION_SETTINGS);
    expect(out).toMatchObject({ ok: true, result: 'injected', review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'a1b2', allowed: true, patchType: 'JSONPatch' } } });
    const ops = JSON.parse(Buffer.from((out as { review: { response: { patch: string } } }).review.response.patch, 'base64').toString()) as JsonPatchOp[];
    expect(ops.map((o) => `${o.op} ${o.path}`).sort()).toEqual(['add /spec/initContainers', 'add /spec/securityContext', 'add /spec/volumes', 'replace /metadata/annotations', 'replace /spec/containers']);
  });

  it.each([
    ['an opted-out pod', review(objects('pods.yaml')[1]), /annotation sidecar.istio.io\/inject/],
    ['an UPDATE', review(objects('pods.yaml')[0], 'UPDATE'), /operation UPDATE/],
    ['another kind', review({}, 'CREATE', 'Service'), /not a Pod/],
  ])('allows %s without a patch', (_name, body, reason) => {
    const out = reviewInjection(body, DEFAULT_INJECTION_SETTINGS);
    expect(out).toMatchObject({ ok: true, result: 'skipped', reason: expect.stringMatching(reason), review: { response: { uid: 'a1b2', allowed: true } } });
    expect((out as { review: { response: object } }).review.response).not.toHaveProperty('patch');
  });

  it('denies a pod whose annotations cannot be honoured, and rejects what is not a review', () => {
    const pod = { ...objects('pods.yaml')[0]!, metadata: { namespace: 'shop', annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': 'metrics' } } };
    expect(reviewInjection(review(pod), DEFAULT_INJECTION_SETTINGS)).toMatchObject({ ok: true, result: 'denied', review: { response: { allowed: false, status: { code: 400, message: expect.stringContaining('excludeInboundPorts') } } } });
    expect(reviewInjection({ kind: 'Pod' }, DEFAULT_INJECTION_SETTINGS)).toEqual({ ok: false, message: expect.stringContaining('AdmissionReview') });
    expect(reviewInjection({ ...review({ spec: {} }) }, DEFAULT_INJECTION_SETTINGS)).toEqual({ ok: false, message: 'request.object must be a Pod with spec.containers' });
  });
});
