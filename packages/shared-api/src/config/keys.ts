import type { KindInfo } from './kinds.js';

/** The namespace token of cluster-scoped objects (MeshPolicy, ClusterRbacConfig): never a valid namespace. */
export const CLUSTER_SCOPE_TOKEN = '_';

/**
 * KV key layout for stored config: `<group with dots as _>.<plural>.<namespace>.<name>`.
 * NATS KV keys are dot-separated tokens, so the group's dots are replaced; names and namespaces
 * are DNS-1123 (no dots in namespaces; names may contain dots, so the name is the remainder).
 * Cluster-scoped kinds use {@link CLUSTER_SCOPE_TOKEN} as the namespace token.
 */
export function configKey(kind: Pick<KindInfo, 'group' | 'plural'> & Partial<Pick<KindInfo, 'namespaced'>>, namespace: string, name: string): string {
  const ns = kind.namespaced === false ? CLUSTER_SCOPE_TOKEN : namespace;
  return `${kind.group.replaceAll('.', '_')}.${kind.plural}.${ns}.${name}`;
}

/** The key prefix selecting every object of one kind in one namespace (or all namespaces). */
export function configKeyPrefix(kind: Pick<KindInfo, 'group' | 'plural'>, namespace?: string): string {
  const base = `${kind.group.replaceAll('.', '_')}.${kind.plural}.`;
  return namespace === undefined ? base : `${base}${namespace}.`;
}

/** Splits a key made by {@link configKey}; undefined when it does not have that shape. */
export function parseConfigKey(key: string): { group: string; plural: string; namespace: string; name: string } | undefined {
  const parts = key.split('.');
  if (parts.length < 4) return undefined;
  const [group, plural, namespace, ...rest] = parts as [string, string, string, ...string[]];
  return { group: group.replaceAll('_', '.'), plural, namespace, name: rest.join('.') };
}
