/**
 * Analysis messages: Istio's IST codes, names and levels (galley/pkg/config/analysis/msg in
 * Istio 1.4, plus IST0127 from later releases for selectors that match nothing), so operators and
 * scripts recognise them. The wording is ours and always says what to do.
 */

/** Severity, as `istioctl analyze` prints it. */
export type AnalysisLevel = 'Error' | 'Warning' | 'Info';

/** One kind of finding: a stable code, Istio's name for it, and its level. */
export interface MessageType {
  readonly code: string;
  readonly name: string;
  readonly level: AnalysisLevel;
}

/** The message types this build's analyzers report. */
export const MESSAGE_TYPES = {
  ReferencedResourceNotFound: { code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error' },
  GatewayPortNotOnWorkload: { code: 'IST0104', name: 'GatewayPortNotOnWorkload', level: 'Warning' },
  SchemaValidationError: { code: 'IST0106', name: 'SchemaValidationError', level: 'Error' },
  ConflictingMeshGatewayVirtualServiceHosts: { code: 'IST0109', name: 'ConflictingMeshGatewayVirtualServiceHosts', level: 'Error' },
  VirtualServiceDestinationPortSelectorRequired: { code: 'IST0112', name: 'VirtualServiceDestinationPortSelectorRequired', level: 'Error' },
  NoMatchingWorkloadsFound: { code: 'IST0127', name: 'NoMatchingWorkloadsFound', level: 'Warning' },
} as const satisfies Record<string, MessageType>;

/** The object a message is about. */
export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One finding, as the analyze endpoint answers it. */
export interface AnalysisMessage {
  code: string;
  name: string;
  level: AnalysisLevel;
  /** `VirtualService default/reviews`: the kind and the object, as people read it. */
  resource: string;
  /** The same object, for scripts. */
  origin: ResourceRef;
  /** The field the finding is about (`spec.http[0].route[0].destination.subset`). */
  field: string;
  message: string;
}

/** `VirtualService default/reviews`. */
export function resourceName(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** Builds a message of `type` about `origin`. */
export function newMessage(type: MessageType, origin: ResourceRef, field: string, message: string): AnalysisMessage {
  const ref = { kind: origin.kind, namespace: origin.namespace, name: origin.name };
  return { code: type.code, name: type.name, level: type.level, resource: resourceName(ref), origin: ref, field, message };
}

/** One line, as sent in a `Warning` header: `IST0101 [Error] VirtualService default/x spec.hosts[0]: …`. */
export function formatMessage(m: AnalysisMessage): string {
  return `${m.code} [${m.level}] ${m.resource}${m.field ? ` ${m.field}` : ''}: ${m.message}`;
}

/** A key equal for equal findings (used to tell which findings a write caused). */
export function messageKey(m: AnalysisMessage): string {
  return `${m.code}|${m.resource}|${m.field}|${m.message}`;
}

const LEVEL_ORDER: Record<AnalysisLevel, number> = { Error: 0, Warning: 1, Info: 2 };

/** Orders messages by resource, then field, then level and code: stable output for people and tests. */
export function compareMessages(a: AnalysisMessage, b: AnalysisMessage): number {
  return (
    cmp(a.origin.namespace, b.origin.namespace) ||
    cmp(a.origin.kind, b.origin.kind) ||
    cmp(a.origin.name, b.origin.name) ||
    cmp(a.field, b.field) ||
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

/** True when `level` is at least as severe as `threshold`. */
export function atLeast(level: AnalysisLevel, threshold: AnalysisLevel): boolean {
  return LEVEL_ORDER[level] <= LEVEL_ORDER[threshold];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
