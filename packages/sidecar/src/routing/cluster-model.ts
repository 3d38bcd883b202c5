/**
 * The sidecar's model of Envoy's `Cluster` and `ClusterLoadAssignment` (envoy.config.cluster.v3,
 * envoy.config.endpoint.v3): endpoints, load balancing, circuit breakers, outlier detection and
 * upstream HTTP options.
 */

import type { UpstreamTransportModel } from './tls-model.js';

/** One upstream endpoint. */
export interface EndpointModel {
  readonly address: string;
  readonly port: number;
  /** `endpoint.hostname`, used by `auto_host_rewrite`. */
  readonly hostname?: string;
  /** `metadata.filter_metadata["envoy.transport_socket_match"]` (string fields): picks the cluster's transport socket. */
  readonly transportMatch?: Readonly<Record<string, string>>;
}

/** Envoy `ClusterLoadAssignment`: the healthy endpoints of a cluster. */
export interface LoadAssignmentModel {
  readonly clusterName: string;
  readonly endpoints: readonly EndpointModel[];
}

/** Load balancer types (`Cluster.lb_policy`) the sidecar implements. */
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

/** Envoy `CircuitBreakers.Thresholds` with Envoy's defaults filled in. */
export interface ThresholdsModel {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/** Envoy's defaults when a cluster sets no thresholds (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto). */
export const DEFAULT_THRESHOLDS: ThresholdsModel = Object.freeze({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });

/** Envoy `OutlierDetection`; percentages are 0..100, times in ms. */
export interface OutlierDetectionModel {
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
  readonly successRate: { readonly minimumHosts: number; readonly requestVolume: number; readonly stdevFactor: number; readonly enforcing: number };
  readonly failurePercentage: { readonly threshold: number; readonly minimumHosts: number; readonly requestVolume: number; readonly enforcing: number };
}

/** Upstream HTTP settings (`common_http_protocol_options`, `http2_protocol_options` and their typed-extension form). */
export interface UpstreamHttpModel {
  /** `http2` speaks HTTP/2 (h2c) to the endpoints; `downstream` uses what the client used. */
  readonly protocol: 'http1' | 'http2' | 'downstream';
  readonly maxRequestsPerConnection?: number;
  /** Idle connections are closed after this (Envoy default 1 h). */
  readonly idleTimeoutMs: number;
}

/**
 * Envoy's ORIGINAL_DST cluster (`lb_policy: CLUSTER_PROVIDED`): the host is the downstream
 * connection's original destination, or with `use_http_header` the request's
 * `x-envoy-original-dst-host` (`http_header_name`) when present
 * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/original_dst).
 */
export interface OriginalDstModel {
  readonly useHttpHeader: boolean;
  /** Lowercase header name (default `x-envoy-original-dst-host`). */
  readonly httpHeaderName: string;
  /** `upstream_port_override`: connect to this port instead of the original one. */
  readonly portOverride?: number;
}

/**
 * Envoy `Cluster`: EDS clusters get endpoints from a ClusterLoadAssignment, STATIC ones inline,
 * ORIGINAL_DST ones have none (each connection brings its own).
 */
export interface ClusterModel {
  readonly name: string;
  readonly type: 'EDS' | 'STATIC' | 'ORIGINAL_DST';
  /** ORIGINAL_DST: how the upstream host is found. */
  readonly originalDst?: OriginalDstModel;
  /** The ClusterLoadAssignment name for an EDS cluster (`service_name`, else the cluster name). */
  readonly edsServiceName?: string;
  readonly connectTimeoutMs: number;
  /** Inline endpoints of a STATIC cluster. */
  readonly loadAssignment?: LoadAssignmentModel;
  /** Default ROUND_ROBIN. */
  readonly lbPolicy?: LbPolicy;
  /** LEAST_REQUEST `choice_count` (default 2). */
  readonly choiceCount?: number;
  /** RING_HASH `minimum_ring_size` / `maximum_ring_size`; MAGLEV `table_size`. */
  readonly ringSize?: { readonly min: number; readonly max: number };
  readonly maglevTableSize?: number;
  /** `circuit_breakers.thresholds` by priority (Envoy's defaults when absent). */
  readonly thresholds?: { readonly DEFAULT: ThresholdsModel; readonly HIGH: ThresholdsModel };
  readonly outlierDetection?: OutlierDetectionModel;
  /** `common_lb_config.healthy_panic_threshold` in percent (default 50). */
  readonly panicThresholdPercent?: number;
  readonly http?: UpstreamHttpModel;
  /** `transport_socket` / `transport_socket_matches`: TLS to the endpoints (plaintext when absent). */
  readonly transport?: UpstreamTransportModel;
}
