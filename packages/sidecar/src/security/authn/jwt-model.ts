import type { KeyObject } from 'node:crypto';
import type { RouteMatchModel } from '../../routing/route-model.js';

/** One verification key of a JSON Web Key Set, imported once when the configuration arrives. */
export interface JwkModel {
  readonly kid?: string;
  /** The key's `alg`, when the set names one. */
  readonly alg?: string;
  readonly kty: string;
  readonly key: KeyObject;
}

/**
 * Where a provider's keys come from: an inline set (`local_jwks`, as Istio sends them), or none
 * the sidecar can use (`remote_jwks` is not fetched by the sidecar: Pilot inlines key sets).
 */
export type JwksModel = { readonly kind: 'local'; readonly keys: readonly JwkModel[] } | { readonly kind: 'unavailable'; readonly reason: string };

/** A token location: a header (with an optional value prefix such as `Bearer `) or a query parameter. */
export type JwtLocationModel = { readonly kind: 'header'; readonly name: string; readonly valuePrefix: string } | { readonly kind: 'param'; readonly name: string };

/** Envoy `JwtProvider`: who issues tokens, for which audiences, with which keys, found where. */
export interface JwtProviderModel {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks: JwksModel;
  /** Without `from_headers` / `from_params`: `Authorization: Bearer` and `access_token` (Envoy's defaults). */
  readonly locations: readonly JwtLocationModel[];
  /** False: the token header is removed before the request goes upstream. */
  readonly forward: boolean;
  /** A header that gets the verified payload (base64url JSON). */
  readonly forwardPayloadHeader?: string;
  /** The dynamic metadata key (under `envoy.filters.http.jwt_authn`) of the verified payload. */
  readonly payloadInMetadata?: string;
  readonly clockSkewSeconds: number;
}

/** Envoy `JwtRequirement`. */
export type JwtRequirementModel =
  | { readonly kind: 'provider'; readonly name: string; readonly audiences?: readonly string[] }
  | { readonly kind: 'any' | 'all'; readonly of: readonly JwtRequirementModel[] }
  | { readonly kind: 'allowMissing' }
  | { readonly kind: 'allowMissingOrFailed' };

/** Envoy `RequirementRule`: requests matching `match` need `requires` (none: nothing is verified). */
export interface JwtRuleModel {
  readonly match: RouteMatchModel;
  readonly requires?: JwtRequirementModel;
}

/** One `envoy.filters.http.jwt_authn` filter. */
export interface JwtAuthnModel {
  readonly name: string;
  readonly providers: ReadonlyMap<string, JwtProviderModel>;
  readonly rules: readonly JwtRuleModel[];
  readonly bypassCorsPreflight: boolean;
}

/**
 * Istio 1.4's authentication filter (`istio_authn`, config type
 * `istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig`): which verified JWT becomes the
 * request's origin, and whether a request without one is refused.
 */
export interface IstioAuthnModel {
  readonly name: string;
  /** Issuers whose verified payload may be the origin, in policy order, with their metadata key. */
  readonly origins: ReadonlyArray<{ readonly issuer: string; readonly payloadKey: string }>;
  /** True when the policy lists origins and `origin_is_optional` is not set. */
  readonly originRequired: boolean;
}
