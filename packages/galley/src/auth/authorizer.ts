/** The roles a token can hold: read = get/list/watch; write = read + changes; admin = write + cluster-scoped kinds. */
export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One role over a set of namespaces; `*` means every namespace (and the cluster scope). */
export interface RoleGrant {
  readonly role: Role;
  readonly namespaces: readonly string[];
}

/** The API verbs Galley authorizes (Kubernetes names). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** What a request does, as the authorizer sees it (Kubernetes `authorizer.Attributes`, reduced). */
export interface RequestAttributes {
  readonly verb: Verb;
  readonly group: string;
  /** The resource (plural). */
  readonly resource: string;
  readonly name?: string;
  /** The namespace; undefined for a cluster-scoped kind or a list/watch across all namespaces. */
  readonly namespace?: string;
  /** True when the kind itself is cluster-scoped (not namespaced). */
  readonly clusterScoped: boolean;
}

/** Allowed, or refused with the Kubernetes-style reason. */
export type AuthorizationDecision = { allowed: true } | { allowed: false; message: string };

const LEVEL: Record<Role, number> = { read: 1, write: 2, admin: 3 };
const READ_VERBS: ReadonlySet<Verb> = new Set(['get', 'list', 'watch']);

/** The role a request needs: reads need read; changes need write, or admin on cluster-scoped kinds. */
export function requiredRole(attrs: Pick<RequestAttributes, 'verb' | 'clusterScoped'>): Role {
  if (READ_VERBS.has(attrs.verb)) return 'read';
  return attrs.clusterScoped ? 'admin' : 'write';
}

/**
 * Role-based authorization. A grant covers a request when its role is at least the required one
 * and its namespaces include the request's namespace; requests without a namespace (cluster-scoped
 * kinds, lists across namespaces) need a grant on `*`.
 */
export function authorize(username: string, grants: readonly RoleGrant[], attrs: RequestAttributes): AuthorizationDecision {
  const needed = requiredRole(attrs);
  const ns = attrs.namespace;
  const ok = grants.some((g) => LEVEL[g.role] >= LEVEL[needed] && (g.namespaces.includes('*') || (ns !== undefined && g.namespaces.includes(ns))));
  if (ok) return { allowed: true };
  // Kubernetes RBAC wording, so kubectl users recognise it; plus which role would allow it.
  const target = `${attrs.resource}.${attrs.group}${attrs.name ? ` "${attrs.name}"` : ''}`;
  const where = ns !== undefined ? `in the namespace "${ns}"` : 'at the cluster scope';
  const fix = ns !== undefined ? `the ${needed} role for namespace "${ns}" (or "*")` : `the ${needed} role for "*"`;
  return {
    allowed: false,
    message: `${target} is forbidden: User "${username}" cannot ${attrs.verb} resource "${attrs.resource}" in API group "${attrs.group}" ${where}: it needs ${fix}`,
  };
}
