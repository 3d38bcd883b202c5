/**
 * The sidecar's own model of the xDS resources it accepts: what the decoders produce and the
 * routing table is built from. Only the fields the proxy acts on; everything is validated already
 * (a regex here always compiles, a weighted route always has a positive total).
 */

/** A listener: where it listens and how connections are handled (Envoy `Listener`). */
export interface ListenerModel {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly filterChains: readonly FilterChainModel[];
}

/** One filter chain; `destinationPort` set means it only takes connections to that port. */
export interface FilterChainModel {
  readonly destinationPort?: number;
  /** The HTTP connection manager, when the chain has one (TCP proxying comes later). */
  readonly http?: HttpConnectionManagerModel;
}

/** Where an HTTP connection manager gets its routes: RDS by name, or inline. */
export type RouteSource = { readonly kind: 'rds'; readonly name: string } | { readonly kind: 'inline'; readonly config: RouteConfigurationModel };

/** The parts of Envoy's `HttpConnectionManager` the proxy uses. */
export interface HttpConnectionManagerModel {
  readonly statPrefix: string;
  readonly routes: RouteSource;
}

/** Envoy `RouteConfiguration`. */
export interface RouteConfigurationModel {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHostModel[];
}

/** Envoy `VirtualHost`: domains (lowercase) and routes in order. */
export interface VirtualHostModel {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly RouteModel[];
}

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
}

/** One upstream cluster with its weight (a single-cluster route has one entry of weight 1). */
export interface WeightedClusterModel {
  readonly name: string;
  readonly weight: number;
}

/** Envoy `RouteAction` (only the `route` action is supported for now). */
export interface RouteActionModel {
  readonly clusters: readonly WeightedClusterModel[];
  /** Sum of the weights, always > 0. */
  readonly totalWeight: number;
  /** Route timeout in ms; 0 disables it; undefined means the proxy's default. */
  readonly timeoutMs?: number;
}

/** Envoy `Route`. */
export interface RouteModel {
  readonly name: string;
  readonly match: RouteMatchModel;
  readonly action: RouteActionModel;
}

/** One upstream endpoint. */
export interface EndpointModel {
  readonly address: string;
  readonly port: number;
}

/** Envoy `ClusterLoadAssignment`: the healthy endpoints of a cluster. */
export interface LoadAssignmentModel {
  readonly clusterName: string;
  readonly endpoints: readonly EndpointModel[];
}

/** Envoy `Cluster`: EDS clusters get endpoints from a ClusterLoadAssignment, STATIC ones inline. */
export interface ClusterModel {
  readonly name: string;
  readonly type: 'EDS' | 'STATIC';
  /** The ClusterLoadAssignment name for an EDS cluster (`service_name`, else the cluster name). */
  readonly edsServiceName?: string;
  readonly connectTimeoutMs: number;
  /** Inline endpoints of a STATIC cluster. */
  readonly loadAssignment?: LoadAssignmentModel;
}

/** Everything accepted over xDS at one moment, by resource name. */
export interface ResourceSnapshot {
  readonly listeners: ReadonlyMap<string, ListenerModel>;
  readonly routes: ReadonlyMap<string, RouteConfigurationModel>;
  readonly clusters: ReadonlyMap<string, ClusterModel>;
  readonly endpoints: ReadonlyMap<string, LoadAssignmentModel>;
}

/** A snapshot with nothing in it (before the first xDS response). */
export const EMPTY_SNAPSHOT: ResourceSnapshot = Object.freeze({
  listeners: new Map(),
  routes: new Map(),
  clusters: new Map(),
  endpoints: new Map(),
});
