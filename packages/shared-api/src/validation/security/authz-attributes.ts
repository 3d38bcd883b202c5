import { ipOrCidrProblem, isPortString } from './fields.js';

/**
 * The attributes an AuthorizationPolicy `when` condition may name (rule 41), and how their values are
 * checked. `today` selects the current set: Istio 1.4's destination.* keys were replaced by the
 * workload selector and metadata.namespace, and current releases reject them.
 */
type ValueCheck = 'ip' | 'port' | 'any';

const EXACT: Readonly<Record<string, ValueCheck>> = {
  'source.ip': 'ip',
  'remote.ip': 'ip',
  'destination.ip': 'ip',
  'destination.port': 'port',
  'source.namespace': 'any',
  'source.principal': 'any',
  'source.serviceAccount': 'any',
  'source.trustDomain': 'any',
  'request.auth.principal': 'any',
  'request.auth.audiences': 'any',
  'request.auth.presenter': 'any',
  'connection.sni': 'any',
};

/** Keys of the form `prefix[name]`. */
const MAP_PREFIXES = ['request.headers', 'request.auth.claims', 'experimental.envoy.filters.'] as const;

/** Istio 1.4 keys that current releases replaced. */
const LEGACY_14: Readonly<Record<string, string>> = {
  'destination.name': 'is only supported by Istio 1.4 (security.istio.io/v1beta1); use the workload selector',
  'destination.namespace': 'is replaced by the policy\'s metadata.namespace',
  'destination.user': 'is only supported by Istio 1.4 (security.istio.io/v1beta1); use the workload selector',
};

/** `request.headers[x-token]`: a map key needs a non-empty `[name]` suffix. */
function isMapKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

/** Why a condition key is not supported, or undefined when it is. */
export function conditionKeyProblem(key: string, today: boolean): string | undefined {
  if (key in EXACT) return undefined;
  for (const prefix of MAP_PREFIXES) {
    if (key.startsWith(prefix)) return isMapKey(key) ? undefined : `"${key}" must have the form ${prefix.replace(/\.$/, '')}[name]`;
  }
  if (key.startsWith('destination.labels')) {
    if (today) return `"${key}" is replaced by the workload selector (spec.selector.matchLabels)`;
    return isMapKey(key) ? undefined : `"${key}" must have the form destination.labels[name]`;
  }
  if (key in LEGACY_14) return today ? `"${key}" ${LEGACY_14[key]!}` : undefined;
  const known = [...Object.keys(EXACT), ...MAP_PREFIXES.map((p) => `${p.replace(/\.$/, '')}[...]`)].join(', ');
  return `unknown attribute "${key}"; supported keys are ${known}`;
}

/** Why a condition value does not fit its key (an IP/CIDR for *.ip, a port for destination.port), or undefined. */
export function conditionValueProblem(key: string, value: string): string | undefined {
  if (value === '') return 'values must not be empty strings';
  const check = EXACT[key];
  if (check === 'ip') return ipOrCidrProblem(value);
  if (check === 'port' && !isPortString(value)) return `"${value}" is not a port number 0-65535`;
  return undefined;
}
