/**
 * The sidecar's model of Envoy's route configuration (envoy.config.route.v3): what the RDS decoder
 * produces and the routing core acts on. Everything here is validated already: a regex compiles, a
 * header format parses, a weighted route has a positive total.
 */

/** A string matcher (Envoy `type.matcher.v3.StringMatcher`, plus `present` for header presence). */
export type StringMatchModel =
  | { readonly kind: 'exact' | 'prefix' | 'suffix' | 'contains'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'regex'; readonly regex: RegExp; readonly source: string }
  | { readonly kind: 'present'; readonly present: boolean };

/** Envoy `HeaderMatcher`; names are lowercase (`:authority`, `:method`, `:path` are pseudo-headers). */
export interface HeaderMatchModel {
  readonly name: string;
  readonly match: StringMatchModel;
  readonly invert: boolean;
}

/** Envoy `QueryParameterMatcher`: `present` when only the parameter's presence counts. */
export interface QueryParameterMatchModel {
  readonly name: string;
  readonly match: StringMatchModel;
}

/** How a route matches the path (Envoy `RouteMatch.path_specifier`). */
export type PathMatchModel =
  | { readonly kind: 'prefix' | 'path'; readonly value: string }
  | { readonly kind: 'regex'; readonly regex: RegExp; readonly source: string };

/** Envoy `RouteMatch`. */
export interface RouteMatchModel {
  readonly path: PathMatchModel;
  /** Envoy's default is true; false lower-cases both sides for prefix/path (regex gets the `i` flag). */
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatchModel[];
  readonly queryParameters?: readonly QueryParameterMatchModel[];
  /** `grpc: {}`: only requests with `content-type: application/grpc*` match. */
  readonly grpc?: boolean;
  /** `runtime_fraction`: the share of requests (0..1) the route matches. */
  readonly fraction?: number;
}

/** One piece of a header value: literal text or an access-log command (`%DOWNSTREAM_REMOTE_ADDRESS%`). */
export type HeaderFormatPart = string | { readonly command: string; readonly arg?: string };

/**
 * Envoy `HeaderValueOption`, resolved to one action
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-headervalueoption).
 */
export interface HeaderAddModel {
  readonly name: string;
  readonly value: readonly HeaderFormatPart[];
  readonly action: 'append' | 'add-if-absent' | 'overwrite' | 'overwrite-if-exists';
  readonly keepEmpty: boolean;
}

/** Headers to add and to remove in one direction. */
export interface HeaderMutationsModel {
  readonly add: readonly HeaderAddModel[];
  readonly remove: readonly string[];
}

/** `request_headers_to_add/remove` and `response_headers_to_add/remove` of one level. */
export interface HeaderOpsModel {
  readonly request: HeaderMutationsModel;
  readonly response: HeaderMutationsModel;
}

/** Envoy `HTTPFault` (envoy.filters.http.fault): fractions are 0..1. */
export interface FaultModel {
  readonly delay?: { readonly ms: number; readonly fraction: number };
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number; readonly fraction: number };
  /** The fault applies only to requests matching all of these. */
  readonly headers: readonly HeaderMatchModel[];
}

/** Envoy `CorsPolicy` (envoy.filters.http.cors per-route config, or the deprecated route/virtual-host `cors`). */
export interface CorsPolicyModel {
  readonly allowOrigins: readonly StringMatchModel[];
  readonly allowMethods?: string;
  readonly allowHeaders?: string;
  readonly exposeHeaders?: string;
  readonly maxAge?: string;
  readonly allowCredentials: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  /** `filter_enabled` as a fraction (default 1). */
  readonly enabledFraction: number;
}

/** A per-route filter configuration the sidecar understands (`typed_per_filter_config` values). */
export type FilterConfigModel = { readonly kind: 'fault'; readonly fault: FaultModel } | { readonly kind: 'cors'; readonly policy: CorsPolicyModel } | { readonly kind: 'disabled' };

/** `retry_on` conditions (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on). */
export type RetryOn =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'reset-before-request'
  | 'connect-failure'
  | 'retriable-4xx'
  | 'refused-stream'
  | 'retriable-status-codes'
  | 'retriable-headers'
  | 'envoy-ratelimited'
  | 'http3-post-connect-failure'
  | 'cancelled'
  | 'deadline-exceeded'
  | 'internal'
  | 'resource-exhausted'
  | 'unavailable';

/** Envoy `RetryPolicy`. */
export interface RetryPolicyModel {
  readonly retryOn: ReadonlySet<RetryOn>;
  readonly numRetries: number;
  readonly perTryTimeoutMs?: number;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly retriableHeaders: readonly HeaderMatchModel[];
  /** Jittered exponential back-off (default base 25 ms, max 10 × base). */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** `envoy.retry_host_predicates.previous_hosts`: a retry avoids hosts already tried. */
  readonly previousHosts: boolean;
  readonly hostSelectionMaxAttempts: number;
}

/** Envoy `RouteAction.RequestMirrorPolicy`. */
export interface MirrorPolicyModel {
  readonly cluster: string;
  readonly fraction: number;
}

/** Envoy `RouteAction.HashPolicy`, one of its policy specifiers. */
export type HashPolicyModel = (
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlS?: number; readonly path?: string }
  | { readonly kind: 'source-ip' }
  | { readonly kind: 'query'; readonly name: string }
) & { readonly terminal: boolean };

/** One upstream cluster with its weight (a single-cluster route has one entry of weight 1). */
export interface WeightedClusterModel {
  readonly name: string;
  readonly weight: number;
  /** Header mutations of this weighted cluster (applied before the route's). */
  readonly headerOps?: HeaderOpsModel;
  readonly hostRewrite?: string;
}

/** Envoy `RouteAction`: forward upstream. */
export interface RouteActionModel {
  readonly kind: 'route';
  readonly clusters: readonly WeightedClusterModel[];
  /** Sum of the weights, always > 0. */
  readonly totalWeight: number;
  /** Route timeout in ms; 0 disables it; undefined means the proxy's default (Envoy: 15 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicyModel;
  readonly mirrors?: readonly MirrorPolicyModel[];
  readonly hashPolicy?: readonly HashPolicyModel[];
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly regex: RegExp; readonly substitution: string };
  readonly hostRewrite?: string;
  readonly hostRewriteHeader?: string;
  readonly autoHostRewrite?: boolean;
  /** `max_grpc_timeout`: honour `grpc-timeout` up to this (0 = no cap); undefined ignores the header. */
  readonly maxGrpcTimeoutMs?: number;
  readonly grpcTimeoutOffsetMs?: number;
  /** Upgrade types allowed on this route (`websocket`), from `upgrade_configs`. */
  readonly upgrades?: ReadonlyMap<string, boolean>;
  readonly priority?: 'DEFAULT' | 'HIGH';
  /** `cluster_not_found_response_code` (default 503). */
  readonly clusterNotFoundStatus?: 404 | 500 | 503;
}

/** Envoy `RedirectAction`. */
export interface RedirectModel {
  readonly kind: 'redirect';
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly regex: RegExp; readonly substitution: string };
  readonly status: 301 | 302 | 303 | 307 | 308;
  readonly stripQuery: boolean;
}

/** Envoy `DirectResponseAction`. */
export interface DirectResponseModel {
  readonly kind: 'direct';
  readonly status: number;
  readonly body?: string;
}

/** What a matched route does. */
export type RouteActionUnion = RouteActionModel | RedirectModel | DirectResponseModel;

/** Envoy `Route`. */
export interface RouteModel {
  readonly name: string;
  readonly match: RouteMatchModel;
  readonly action: RouteActionUnion;
  readonly headerOps?: HeaderOpsModel;
  /** Per-filter configuration by HTTP filter name (`typed_per_filter_config`). */
  readonly filterConfigs?: ReadonlyMap<string, FilterConfigModel>;
  /** The deprecated `route.cors`. */
  readonly cors?: CorsPolicyModel;
}

/** Envoy `VirtualHost`: domains (lowercase) and routes in order. */
export interface VirtualHostModel {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly RouteModel[];
  readonly headerOps?: HeaderOpsModel;
  readonly filterConfigs?: ReadonlyMap<string, FilterConfigModel>;
  readonly cors?: CorsPolicyModel;
  /** Used by routes that have no retry policy of their own. */
  readonly retry?: RetryPolicyModel;
  readonly includeAttemptCount?: boolean;
  readonly includeAttemptCountInResponse?: boolean;
  /** `require_tls`: requests not over TLS get a 301 to https (Istio's httpsRedirect). */
  readonly requireTls?: 'EXTERNAL_ONLY' | 'ALL';
}

/** Envoy `RouteConfiguration`. */
export interface RouteConfigurationModel {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHostModel[];
  readonly headerOps?: HeaderOpsModel;
  /** `most_specific_header_mutations_wins`: route-level mutations are applied last. */
  readonly mostSpecificHeaderMutationsWins?: boolean;
}
