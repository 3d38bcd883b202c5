/**
 * The sidecar's own model of the xDS resources it accepts: what the decoders produce and the
 * routing table is built from. Only the fields the proxy acts on; everything is validated already
 * (a regex here always compiles, a weighted route always has a positive total).
 */

import type { HttpSecurityModel } from '../security/http-security.js';
import type { CidrModel, RbacFilterModel } from '../security/authz/rbac-model.js';
import type { ClusterModel, LoadAssignmentModel } from './cluster-model.js';
import type { FaultModel, RouteConfigurationModel, StringMatchModel, WeightedClusterModel } from './route-model.js';

export type { ClusterModel, EndpointModel, LbPolicy, LoadAssignmentModel, OriginalDstModel, OutlierDetectionModel, ThresholdsModel, UpstreamHttpModel } from './cluster-model.js';
export type {
  CorsPolicyModel,
  DirectResponseModel,
  FaultModel,
  FilterConfigModel,
  HashPolicyModel,
  HeaderAddModel,
  HeaderFormatPart,
  HeaderMatchModel,
  HeaderMutationsModel,
  HeaderOpsModel,
  MirrorPolicyModel,
  PathMatchModel,
  QueryParameterMatchModel,
  RedirectModel,
  RetryOn,
  RetryPolicyModel,
  RouteActionModel,
  RouteActionUnion,
  RouteConfigurationModel,
  RouteMatchModel,
  RouteModel,
  StringMatchModel,
  VirtualHostModel,
  WeightedClusterModel,
} from './route-model.js';

/** A listener: where it listens and how connections are handled (Envoy `Listener`). */
export interface ListenerModel {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly filterChains: readonly FilterChainModel[];
  /** `envoy.filters.listener.tls_inspector`: read SNI and ALPN from a TLS ClientHello before choosing a chain. */
  readonly tlsInspector?: boolean;
  /**
   * `use_original_dst`: a redirected connection is handed to the listener bound to its original
   * destination (exact address, then 0.0.0.0 / ::), and kept here when there is none (Istio's `virtualOutbound`).
   */
  readonly useOriginalDst?: boolean;
}

/** Envoy `FilterChainMatch`: the criteria the sidecar implements. */
export interface FilterChainMatchModel {
  readonly destinationPort?: number;
  /** `prefix_ranges`: the connection's (original) destination address lies in one of these. */
  readonly prefixRanges?: readonly CidrModel[];
  /** SNI names, exact or `*.suffix` (lowercase). */
  readonly serverNames?: readonly string[];
  /** `tls` or `raw_buffer`. */
  readonly transportProtocol?: string;
  readonly applicationProtocols?: readonly string[];
}

/** A `DownstreamTlsContext`: what a chain terminating TLS presents and requires (PEM text). */
export interface DownstreamTlsModel {
  readonly certChain: string;
  readonly privateKey: string;
  /** MUTUAL TLS: clients must present a certificate that chains to `trustedCa`. */
  readonly requireClientCertificate: boolean;
  readonly trustedCa?: string;
  /** The client certificate's SANs must satisfy one of these (when given). */
  readonly matchSubjectAltNames?: readonly StringMatchModel[];
  readonly alpn: readonly string[];
  readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  /**
   * SDS secrets from the sidecar's certificate agent instead of PEM (Istio's inbound mTLS:
   * `default` for the certificate, `ROOTCA` to verify clients); `certChain`/`privateKey` are then empty.
   */
  readonly sds?: { readonly certificate?: string; readonly validation?: string };
}

/** Envoy `TcpProxy` (envoy.filters.network.tcp_proxy): relay the connection to a (weighted) cluster. */
export interface TcpProxyModel {
  readonly statPrefix: string;
  readonly clusters: readonly WeightedClusterModel[];
  readonly totalWeight: number;
  /** Close after this long without traffic either way (Envoy default 1 h; 0 = never). */
  readonly idleTimeoutMs: number;
  readonly maxConnectAttempts: number;
  /** The chain's network RBAC filters (`envoy.filters.network.rbac`), checked before connecting upstream. */
  readonly rbac?: readonly RbacFilterModel[];
}

/** One filter chain: when it applies, TLS termination, and HTTP or TCP handling. */
export interface FilterChainModel {
  /** Kept for the inbound listener: `filter_chain_match.destination_port`. */
  readonly destinationPort?: number;
  readonly match?: FilterChainMatchModel;
  readonly name?: string;
  readonly tls?: DownstreamTlsModel;
  /** The HTTP connection manager, when the chain has one. */
  readonly http?: HttpConnectionManagerModel;
  /** The TCP proxy, when the chain has one (and no HTTP connection manager). */
  readonly tcp?: TcpProxyModel;
}

/** Where an HTTP connection manager gets its routes: RDS by name, or inline. */
export type RouteSource = { readonly kind: 'rds'; readonly name: string } | { readonly kind: 'inline'; readonly config: RouteConfigurationModel };

/**
 * An HTTP filter of the connection manager's chain that the sidecar acts on, in chain order.
 * Per-route filter configuration applies only to filters present in the chain (Envoy semantics).
 */
export type HttpFilterModel =
  | { readonly kind: 'fault'; readonly name: string; readonly fault: FaultModel }
  | { readonly kind: 'cors'; readonly name: string }
  | { readonly kind: 'router'; readonly name: string };

/** The parts of Envoy's `HttpConnectionManager` the proxy uses. */
export interface HttpConnectionManagerModel {
  readonly statPrefix: string;
  readonly routes: RouteSource;
  /** The chain's filters the sidecar implements (others are skipped with a warning). */
  readonly httpFilters?: readonly HttpFilterModel[];
  /** jwt_authn, istio_authn and RBAC filters of the chain (run after route match, before fault and CORS). */
  readonly security?: HttpSecurityModel;
  /** `use_remote_address`: the peer is the client (gateways): x-forwarded-for gets it appended. */
  readonly useRemoteAddress?: boolean;
  readonly skipXffAppend?: boolean;
  /** `upgrade_configs`: upgrade types (`websocket`) allowed unless a route says otherwise. */
  readonly upgrades?: ReadonlyMap<string, boolean>;
  /** `access_log` file paths (`FileAccessLog`); every request is written to each as a JSON line. */
  readonly accessLogs?: readonly string[];
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
