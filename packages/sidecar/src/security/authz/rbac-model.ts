import type { HeaderMatchModel, StringMatchModel } from '../../routing/route-model.js';

/** An IP range (`config.core.v3.CidrRange`), parsed once: the address as bytes and the prefix length. */
export interface CidrModel {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefixLen: number;
}

/**
 * Envoy `type.matcher.v3.ValueMatcher`, the parts the sidecar evaluates: a string matcher, a
 * list matcher (`one_of`: some element matches), presence and booleans.
 */
export type ValueMatchModel =
  | { readonly kind: 'string'; readonly match: StringMatchModel }
  | { readonly kind: 'list'; readonly oneOf: ValueMatchModel }
  | { readonly kind: 'present'; readonly present: boolean }
  | { readonly kind: 'bool'; readonly value: boolean };

/** Envoy `type.matcher.v3.MetadataMatcher`: a value under `filter` → `path` in the request's dynamic metadata. */
export interface MetadataMatchModel {
  readonly filter: string;
  readonly path: readonly string[];
  readonly value: ValueMatchModel;
  readonly invert: boolean;
}

/** Envoy `config.rbac.v3.Permission`: what a request does. */
export type PermissionModel =
  | { readonly kind: 'any' }
  | { readonly kind: 'and' | 'or'; readonly rules: readonly PermissionModel[] }
  | { readonly kind: 'not'; readonly rule: PermissionModel }
  | { readonly kind: 'header'; readonly match: HeaderMatchModel }
  | { readonly kind: 'urlPath'; readonly match: StringMatchModel; readonly ignoreQuery: true }
  | { readonly kind: 'destinationIp'; readonly cidr: CidrModel }
  | { readonly kind: 'destinationPort'; readonly port: number }
  | { readonly kind: 'destinationPortRange'; readonly start: number; readonly end: number }
  | { readonly kind: 'metadata'; readonly match: MetadataMatchModel }
  | { readonly kind: 'requestedServerName'; readonly match: StringMatchModel };

/** Envoy `config.rbac.v3.Principal`: who sends the request. */
export type PrincipalModel =
  | { readonly kind: 'any' }
  | { readonly kind: 'and' | 'or'; readonly ids: readonly PrincipalModel[] }
  | { readonly kind: 'not'; readonly id: PrincipalModel }
  /** The peer's mTLS identity (`spiffe://…` URI SAN); no match means any authenticated peer. */
  | { readonly kind: 'authenticated'; readonly match: StringMatchModel | undefined }
  /** `source_ip` / `direct_remote_ip`: the connection's peer; `remote_ip`: the original client (x-forwarded-for aware). */
  | { readonly kind: 'sourceIp' | 'directRemoteIp' | 'remoteIp'; readonly cidr: CidrModel }
  | { readonly kind: 'header'; readonly match: HeaderMatchModel }
  | { readonly kind: 'urlPath'; readonly match: StringMatchModel; readonly ignoreQuery: true }
  | { readonly kind: 'metadata'; readonly match: MetadataMatchModel };

/** Envoy `config.rbac.v3.Policy`: it applies when any permission and any principal match. */
export interface RbacPolicyModel {
  readonly permissions: readonly PermissionModel[];
  readonly principals: readonly PrincipalModel[];
}

/** Envoy `config.rbac.v3.RBAC`: ALLOW lets through only requests some policy matches; DENY refuses those. */
export interface RbacRulesModel {
  readonly action: 'ALLOW' | 'DENY' | 'LOG';
  /** Policies by name, in the order they were sent. */
  readonly policies: ReadonlyMap<string, RbacPolicyModel>;
}

/**
 * One `envoy.filters.http.rbac` filter: its enforced `rules` (absent: the filter enforces nothing)
 * and `shadow_rules` (evaluated for stats only).
 */
export interface RbacFilterModel {
  readonly name: string;
  readonly rules?: RbacRulesModel;
  readonly shadowRules?: RbacRulesModel;
}
