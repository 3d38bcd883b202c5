import type { PodTemplate } from './kube-types.js';
import { INJECT_ANNOTATION, SIDECAR_CONTAINER, STATUS_ANNOTATION } from './settings.js';

/**
 * What is known of the pod's namespace: `enabled` (labelled `istio-injection=enabled`, which is
 * all the webhook ever sees, as its namespaceSelector only sends those), `disabled`, or
 * `unlabelled`.
 */
export type NamespaceInjection = 'enabled' | 'disabled' | 'unlabelled';

/** Whether to inject, and why not. */
export type InjectionDecision = { inject: true } | { inject: false; reason: string };

/** Istio's truthy and falsy spellings of the annotation. */
function annotationValue(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (['true', 'y', 'yes', 'on'].includes(s)) return true;
  if (['false', 'n', 'no', 'off'].includes(s)) return false;
  return undefined;
}

/** The namespace state from a Namespace's labels. */
export function namespaceInjection(labels: Readonly<Record<string, string>> | undefined): NamespaceInjection {
  const v = labels?.['istio-injection'];
  return v === 'enabled' ? 'enabled' : v === 'disabled' ? 'disabled' : 'unlabelled';
}

/**
 * Istio 1.4's policy "enabled": a pod in an enabled namespace is injected unless its annotation
 * `sidecar.istio.io/inject` says false; in an unlabelled namespace only when it says true; in a
 * disabled namespace never. Pods already injected and host-network pods (whose redirect would
 * capture the node's traffic) are left alone.
 */
export function injectionDecision(pod: PodTemplate, namespace: NamespaceInjection): InjectionDecision {
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[STATUS_ANNOTATION] !== undefined || pod.spec.containers.some((c) => c.name === SIDECAR_CONTAINER)) {
    return { inject: false, reason: 'already injected' };
  }
  if (pod.spec.hostNetwork === true) return { inject: false, reason: 'hostNetwork pods are never injected (the redirect would capture the node\'s traffic)' };
  if (namespace === 'disabled') return { inject: false, reason: 'namespace is labelled istio-injection=disabled' };
  const wanted = annotationValue(annotations[INJECT_ANNOTATION]);
  if (wanted === false) return { inject: false, reason: `annotation ${INJECT_ANNOTATION}: "${annotations[INJECT_ANNOTATION]}"` };
  if (wanted === true || namespace === 'enabled') return { inject: true };
  return { inject: false, reason: 'namespace is not labelled istio-injection=enabled and the pod does not ask for injection' };
}
