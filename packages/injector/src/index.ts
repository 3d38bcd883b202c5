/** @mesh/injector: sidecar injection, shared by Galley's `/inject` webhook and `meshctl kube-inject`. */
export {
  DEFAULT_INJECTION_SETTINGS,
  EXCLUDE_INBOUND_PORTS_ANNOTATION,
  EXCLUDE_OUTBOUND_CIDRS_ANNOTATION,
  INIT_CONTAINER,
  INJECT_ANNOTATION,
  NAMESPACE_LABEL,
  ROOT_CERT_DIR,
  SERVICE_PORT_ANNOTATION,
  SIDECAR_CONTAINER,
  STATUS_ANNOTATION,
  TOKEN_DIR,
  VOLUMES,
} from './settings.js';
export type { InjectionSettings } from './settings.js';
export { CHAINS, iptablesRestoreRules, parseCidrList, parsePortList } from './iptables-rules.js';
export type { RedirectOptions } from './iptables-rules.js';
export { injectionDecision, namespaceInjection } from './injection-policy.js';
export type { InjectionDecision, NamespaceInjection } from './injection-policy.js';
export { injectPod, RULES_ENV } from './inject-pod.js';
export type { InjectPodResult } from './inject-pod.js';
export { kubeInjectObjects, kubeInjectYaml } from './kube-inject.js';
export type { KubeInjectOutcome } from './kube-inject.js';
export { applyPodPatch, podPatch, reviewInjection } from './inject-review.js';
export type { InjectResponse, InjectReviewOutcome, JsonPatchOp } from './inject-review.js';
export type { Container, ContainerPort, KubeObject, ObjectMeta, PodSpec, PodTemplate, Volume } from './kube-types.js';
