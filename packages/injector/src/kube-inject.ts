import { parseAllDocuments, stringify } from 'yaml';
import { injectPod } from './inject-pod.js';
import { injectionDecision, namespaceInjection } from './injection-policy.js';
import type { NamespaceInjection } from './injection-policy.js';
import type { KubeObject, PodTemplate } from './kube-types.js';
import type { InjectionSettings } from './settings.js';

/** What happened to one object of the input. */
export interface KubeInjectOutcome {
  readonly kind: string;
  readonly name: string;
  readonly result: 'injected' | 'skipped' | 'not-a-workload' | 'error';
  /** Why it was skipped, or the error. */
  readonly reason?: string;
}

/** Where each workload kind keeps its pod template (Pod: the object itself). */
function templateOf(obj: KubeObject): PodTemplate | undefined {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  switch (obj.kind) {
    case 'Pod':
      return obj as unknown as PodTemplate;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return spec?.['template'] as PodTemplate | undefined;
    case 'CronJob':
      return ((spec?.['jobTemplate'] as Record<string, unknown> | undefined)?.['spec'] as Record<string, unknown> | undefined)?.['template'] as PodTemplate | undefined;
    default:
      return undefined;
  }
}

function setTemplate(obj: KubeObject, pod: PodTemplate): KubeObject {
  if (obj.kind === 'Pod') return { ...obj, metadata: pod.metadata, spec: pod.spec };
  const out = structuredClone(obj);
  const spec = out['spec'] as Record<string, unknown>;
  if (obj.kind === 'CronJob') ((spec['jobTemplate'] as Record<string, unknown>)['spec'] as Record<string, unknown>)['template'] = pod;
  else spec['template'] = pod;
  return out;
}

/**
 * Injects every workload among `objects` (a `List`'s items too) with the webhook's logic:
 * the same decision and the same pod. Namespaces in the input count (`istio-injection=disabled`
 * skips their workloads); otherwise `meshctl kube-inject` is an explicit request, so a namespace
 * not in the input counts as enabled and a pod's `sidecar.istio.io/inject: "false"` still wins.
 */
export function kubeInjectObjects(objects: readonly KubeObject[], s: InjectionSettings): { objects: KubeObject[]; outcomes: KubeInjectOutcome[] } {
  const namespaces = new Map<string, NamespaceInjection>();
  for (const o of objects) if (o?.kind === 'Namespace' && o.metadata?.name) namespaces.set(o.metadata.name, namespaceInjection(o.metadata.labels));
  const outcomes: KubeInjectOutcome[] = [];
  const one = (obj: KubeObject): KubeObject => {
    if (obj?.kind === 'List' && Array.isArray(obj['items'])) return { ...obj, items: (obj['items'] as KubeObject[]).map(one) };
    const kind = String(obj?.kind ?? '');
    const name = String(obj?.metadata?.name ?? obj?.metadata?.generateName ?? '');
    const template = obj ? templateOf(obj) : undefined;
    if (!template || !Array.isArray(template.spec?.containers)) {
      outcomes.push({ kind, name, result: 'not-a-workload' });
      return obj;
    }
    const ns = namespaces.get(obj.metadata?.namespace ?? 'default') ?? 'enabled';
    const decision = injectionDecision(template, ns);
    if (!decision.inject) {
      outcomes.push({ kind, name, result: 'skipped', reason: decision.reason });
      return obj;
    }
    const injected = injectPod(template, s);
    if (!injected.ok) {
      outcomes.push({ kind, name, result: 'error', reason: injected.message });
      return obj;
    }
    outcomes.push({ kind, name, result: 'injected' });
    return setTemplate(obj, injected.pod);
  };
  return { objects: objects.map(one), outcomes };
}

/** {@link kubeInjectObjects} over multi-document YAML; the output is multi-document YAML. */
export function kubeInjectYaml(text: string, s: InjectionSettings): { yaml: string; outcomes: KubeInjectOutcome[] } {
  const docs = parseAllDocuments(text);
  for (const d of docs) if (d.errors.length > 0) throw new SyntaxError(`invalid YAML: ${d.errors[0]!.message}`);
  const objects = docs.map((d) => d.toJS() as KubeObject).filter((o) => o !== null && o !== undefined);
  const { objects: out, outcomes } = kubeInjectObjects(objects, s);
  return { yaml: out.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'), outcomes };
}
