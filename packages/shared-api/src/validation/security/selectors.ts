import type { PolicyTargetReference, WorkloadSelector } from '../../config/security.js';
import { at, type Findings } from './fields.js';

/**
 * Today's workload-selector rule (security.istio.io v1 kinds): label keys must not be empty and
 * neither keys nor values may use `*`; a selector without labels selects every workload (warning).
 */
export function checkSelector(selector: WorkloadSelector | undefined, path: string, f: Findings): void {
  if (selector === undefined) return;
  const labels = selector.matchLabels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const field = at(at(path, 'matchLabels'), k);
    if (k === '') f.error(field, 'label keys must not be empty');
    if (k.includes('*') || v.includes('*')) f.error(field, 'wildcards ("*") are not supported in selector labels; list exact label values');
  }
  if (Object.keys(labels).length === 0) f.warn(path, 'the selector has no labels, so it selects every workload in the namespace; remove it or add matchLabels');
}

/** Istio 1.4's selector rule (rule 41): label keys and values must not be empty. */
export function checkSelector14(selector: WorkloadSelector | undefined, path: string, f: Findings): void {
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) {
    if (k === '' || v === '') f.error(at(at(path, 'matchLabels'), k), 'selector label keys and values must not be empty');
  }
}

/** The kinds a policy's targetRef may name, by API group ('' is the core group). */
const TARGET_KINDS: ReadonlyArray<readonly [group: string, kind: string]> = [
  ['', 'Service'],
  ['networking.istio.io', 'ServiceEntry'],
  ['gateway.networking.k8s.io', 'Gateway'],
  ['gateway.networking.k8s.io', 'GatewayClass'],
];

function checkTargetRef(ref: PolicyTargetReference, path: string, namespace: string, f: Findings): void {
  if (ref.namespace !== undefined && ref.namespace !== '' && ref.namespace !== namespace) {
    f.error(at(path, 'namespace'), `cross-namespace references are not supported; the target must be in namespace "${namespace}" (omit namespace)`);
  }
  const group = ref.group ?? '';
  const canonical = group === 'core' ? '' : group;
  if (!TARGET_KINDS.some(([g, k]) => g === canonical && k === ref.kind)) {
    const allowed = TARGET_KINDS.map(([g, k]) => (g ? `${g}/${k}` : k)).join(', ');
    f.error(at(path, 'kind'), `a policy can target ${allowed}; got ${group ? `${group}/` : ''}${ref.kind}`);
  }
}

/** Today's policy-attachment rules: at most one of selector / targetRef / targetRefs (rule 43), and valid references. */
export function checkAttachment(
  spec: { selector?: WorkloadSelector; targetRef?: PolicyTargetReference; targetRefs?: PolicyTargetReference[] },
  namespace: string,
  f: Findings,
): void {
  const set = [
    spec.selector !== undefined ? 'selector' : undefined,
    spec.targetRef !== undefined ? 'targetRef' : undefined,
    (spec.targetRefs?.length ?? 0) > 0 ? 'targetRefs' : undefined,
  ].filter((x): x is string => x !== undefined);
  if (set.length > 1) f.error(`spec.${set[1]!}`, `set only one of selector, targetRef or targetRefs (found ${set.join(' and ')})`);
  if (spec.targetRef) checkTargetRef(spec.targetRef, 'spec.targetRef', namespace, f);
  spec.targetRefs?.forEach((r, i) => checkTargetRef(r, at('spec.targetRefs', i), namespace, f));
}
