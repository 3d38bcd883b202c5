import type { RequestFacts } from '../../routing/match.js';
import { matchHeader, matchString, pathWithoutQuery } from '../../routing/match.js';
import { cidrContains } from './cidr.js';
import type { MetadataMatchModel, PermissionModel, PrincipalModel, RbacFilterModel, RbacPolicyModel, RbacRulesModel, ValueMatchModel } from './rbac-model.js';

/**
 * What Envoy's RBAC filter looks at for one request
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto): the request's
 * headers, the connection's addresses, the peer's mTLS identity and the dynamic metadata earlier
 * filters wrote (Istio's `istio_authn`: `source.principal`, `request.auth.*`).
 */
export interface RbacRequest {
  readonly facts: RequestFacts;
  readonly sourceIp: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** The original client (first x-forwarded-for entry when trusted), else the source. */
  readonly remoteIp?: string;
  /** TLS SNI of the connection. */
  readonly serverName?: string;
  /** The peer's SPIFFE identity without the scheme (`cluster.local/ns/<ns>/sa/<sa>`), when mTLS proved one. */
  readonly peerPrincipal?: string;
  /** Dynamic metadata by filter name. */
  readonly metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The outcome of the RBAC filters of a chain: allowed, or denied by the named filter and policy. */
export type RbacDecision = { readonly allowed: true; readonly shadowDenied?: boolean } | { readonly allowed: false; readonly filter: string; readonly policy?: string };

/** Envoy's local reply body for an RBAC denial (403). */
export const RBAC_DENIED_BODY = 'RBAC: access denied';

/**
 * Runs the RBAC filters in chain order (Istio puts its DENY filter before its ALLOW filter, so
 * DENY is evaluated first): the first filter that refuses decides. Pure.
 */
export function evaluateRbacFilters(filters: readonly RbacFilterModel[], req: RbacRequest): RbacDecision {
  let shadowDenied = false;
  for (const f of filters) {
    if (f.shadowRules && !decide(f.shadowRules, req).allowed) shadowDenied = true;
    if (!f.rules) continue;
    const d = decide(f.rules, req);
    if (!d.allowed) return { allowed: false, filter: f.name, ...(d.policy ? { policy: d.policy } : {}) };
  }
  return shadowDenied ? { allowed: true, shadowDenied } : { allowed: true };
}

/**
 * One `RBAC` rule set: ALLOW admits a request some policy matches (no policy: nothing is
 * admitted); DENY refuses a request some policy matches; LOG admits everything.
 */
export function decide(rules: RbacRulesModel, req: RbacRequest): { allowed: boolean; policy?: string } {
  const matched = firstMatching(rules.policies, req);
  switch (rules.action) {
    case 'ALLOW':
      return matched !== undefined ? { allowed: true, policy: matched } : { allowed: false };
    case 'DENY':
      return matched !== undefined ? { allowed: false, policy: matched } : { allowed: true };
    case 'LOG':
      return { allowed: true };
  }
}

function firstMatching(policies: ReadonlyMap<string, RbacPolicyModel>, req: RbacRequest): string | undefined {
  for (const [name, p] of policies) {
    if (p.permissions.some((perm) => permissionMatches(perm, req)) && p.principals.some((pr) => principalMatches(pr, req))) return name;
  }
  return undefined;
}

/** True when the request does what the permission describes. */
export function permissionMatches(p: PermissionModel, req: RbacRequest): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'and':
      return p.rules.every((r) => permissionMatches(r, req));
    case 'or':
      return p.rules.some((r) => permissionMatches(r, req));
    case 'not':
      return !permissionMatches(p.rule, req);
    case 'header':
      return matchHeader(p.match, req.facts);
    case 'urlPath':
      return matchString(p.match, pathWithoutQuery(req.facts.path));
    case 'destinationIp':
      return cidrContains(p.cidr, req.destinationIp);
    case 'destinationPort':
      return req.destinationPort === p.port;
    case 'destinationPortRange':
      return req.destinationPort >= p.start && req.destinationPort < p.end;
    case 'metadata':
      return metadataMatches(p.match, req);
    case 'requestedServerName':
      return matchString(p.match, req.serverName ?? '');
  }
}

/** True when the request comes from who the principal describes. */
export function principalMatches(p: PrincipalModel, req: RbacRequest): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'and':
      return p.ids.every((r) => principalMatches(r, req));
    case 'or':
      return p.ids.some((r) => principalMatches(r, req));
    case 'not':
      return !principalMatches(p.id, req);
    case 'authenticated':
      // Envoy compares the peer certificate's URI SAN; without mTLS there is no authenticated peer.
      if (req.peerPrincipal === undefined) return false;
      return p.match === undefined || matchString(p.match, `spiffe://${req.peerPrincipal}`);
    case 'sourceIp':
    case 'directRemoteIp':
      return cidrContains(p.cidr, req.sourceIp);
    case 'remoteIp':
      return cidrContains(p.cidr, req.remoteIp ?? req.sourceIp);
    case 'header':
      return matchHeader(p.match, req.facts);
    case 'urlPath':
      return matchString(p.match, pathWithoutQuery(req.facts.path));
    case 'metadata':
      return metadataMatches(p.match, req);
  }
}

/** Envoy `MetadataMatcher`: the value at `filter` → `path` satisfies the value matcher (inverted on `invert`). */
export function metadataMatches(m: MetadataMatchModel, req: RbacRequest): boolean {
  let v: unknown = req.metadata[m.filter];
  for (const key of m.path) {
    v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
  }
  return valueMatches(m.value, v) !== m.invert;
}

function valueMatches(m: ValueMatchModel, v: unknown): boolean {
  switch (m.kind) {
    case 'string':
      return typeof v === 'string' && matchString(m.match, v);
    case 'list':
      return Array.isArray(v) && v.some((e) => valueMatches(m.oneOf, e));
    case 'present':
      return (v !== undefined && v !== null) === m.present;
    case 'bool':
      return v === m.value;
  }
}
