import { NETWORKING_KINDS } from './kinds-networking.js';
import { POLICY_KINDS } from './kinds-policy.js';
import { SECURITY_KINDS } from './kinds-security.js';

/**
 * The configuration kinds the mesh accepts, described once: group, served versions, kind, plural.
 * Galley's REST paths, the KV key layout and every consumer's decoding derive from this table.
 */
export interface KindInfo {
  readonly group: string;
  /** Served versions, preferred (storage) version first. */
  readonly versions: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
}

/** Every kind this build validates and stores; each family's table lives in its own file. */
export const KINDS: readonly KindInfo[] = Object.freeze([...NETWORKING_KINDS, ...SECURITY_KINDS, ...POLICY_KINDS]);

/** Finds a kind by group and plural (REST paths) or returns undefined. */
export function kindByPlural(group: string, plural: string): KindInfo | undefined {
  return KINDS.find((k) => k.group === group && k.plural === plural);
}

/** Finds a kind by `apiVersion` + `kind` as written in YAML; the version must be served. */
export function kindByApiVersion(apiVersion: string, kind: string): KindInfo | undefined {
  const [group, version] = splitApiVersion(apiVersion);
  return KINDS.find((k) => k.group === group && k.kind === kind && k.versions.includes(version));
}

/** `networking.istio.io/v1alpha3` → [`networking.istio.io`, `v1alpha3`]; the core group is ''. */
export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}
