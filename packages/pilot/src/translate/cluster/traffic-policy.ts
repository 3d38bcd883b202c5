import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection } from '../../model/networking-specs.js';
import { parseDuration } from '../duration.js';
import type { XdsResource } from '../resources.js';

/** Envoy's largest circuit-breaker thresholds: Istio 1.4 lifts Envoy's low defaults (e.g. max_retries 3) to these. */
const MAX_UINT32 = 4294967295;

/** Istio 1.4's `getDefaultCircuitBreakerThresholds`. */
export function defaultThresholds(): XdsResource {
  return { max_connections: { value: MAX_UINT32 }, max_pending_requests: { value: MAX_UINT32 }, max_requests: { value: MAX_UINT32 }, max_retries: { value: MAX_UINT32 } };
}

/**
 * Istio 1.4's `applyConnectionPool`: circuit-breaker thresholds (the defaults, overridden by the
 * positive limits given), connect timeout, max requests per connection, HTTP idle timeout and TCP
 * keepalive. Nothing when the settings are absent.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto
 */
export function applyConnectionPool(cluster: XdsResource, settings: ConnectionPoolSettings | undefined): void {
  if (!settings) return;
  const threshold = defaultThresholds();
  const http = settings.http;
  let idleTimeout: string | undefined;
  if (http) {
    if ((http.http2MaxRequests ?? 0) > 0) threshold['max_requests'] = { value: http.http2MaxRequests };
    if ((http.http1MaxPendingRequests ?? 0) > 0) threshold['max_pending_requests'] = { value: http.http1MaxPendingRequests };
    if ((http.maxRequestsPerConnection ?? 0) > 0) cluster['max_requests_per_connection'] = { value: http.maxRequestsPerConnection };
    if ((http.maxRetries ?? 0) > 0) threshold['max_retries'] = { value: http.maxRetries };
    idleTimeout = http.idleTimeout;
  }
  const tcp = settings.tcp;
  if (tcp) {
    const ct = tcp.connectTimeout !== undefined ? parseDuration(tcp.connectTimeout) : undefined;
    if (ct) cluster['connect_timeout'] = ct;
    if ((tcp.maxConnections ?? 0) > 0) threshold['max_connections'] = { value: tcp.maxConnections };
    if (tcp.tcpKeepalive) {
      const ka: XdsResource = {};
      if ((tcp.tcpKeepalive.probes ?? 0) > 0) ka['keepalive_probes'] = { value: tcp.tcpKeepalive.probes };
      const time = tcp.tcpKeepalive.time !== undefined ? parseDuration(tcp.tcpKeepalive.time) : undefined;
      if (time) ka['keepalive_time'] = { value: time.seconds };
      const interval = tcp.tcpKeepalive.interval !== undefined ? parseDuration(tcp.tcpKeepalive.interval) : undefined;
      if (interval) ka['keepalive_interval'] = { value: interval.seconds };
      cluster['upstream_connection_options'] = { tcp_keepalive: ka };
    }
  }
  cluster['circuit_breakers'] = { thresholds: [threshold] };
  const idle = idleTimeout !== undefined ? parseDuration(idleTimeout) : undefined;
  if (idle) cluster['common_http_protocol_options'] = { idle_timeout: idle };
}

/**
 * Istio 1.4's `applyOutlierDetection`: `consecutiveErrors` counts gateway errors only (502, 503,
 * 504, enforced 100%, 5xx not enforced); the later `consecutive5xxErrors` and
 * `consecutiveGatewayErrors` set their own counters. The panic threshold is set to
 * `minHealthPercent` (0 disables it, Envoy's default is 50).
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto
 */
export function applyOutlierDetection(cluster: XdsResource, o: OutlierDetection | undefined): void {
  if (!o) return;
  const out: XdsResource = {};
  const base = o.baseEjectionTime !== undefined ? parseDuration(o.baseEjectionTime) : undefined;
  if (base) out['base_ejection_time'] = base;
  if ((o.consecutiveErrors ?? 0) > 0) {
    out['enforcing_consecutive_gateway_failure'] = { value: 100 };
    out['enforcing_consecutive_5xx'] = { value: 0 };
    out['consecutive_gateway_failure'] = { value: o.consecutiveErrors };
  }
  if (o.consecutive5xxErrors !== undefined) {
    out['consecutive_5xx'] = { value: o.consecutive5xxErrors };
    out['enforcing_consecutive_5xx'] = { value: o.consecutive5xxErrors > 0 ? 100 : 0 };
  }
  if (o.consecutiveGatewayErrors !== undefined) {
    out['consecutive_gateway_failure'] = { value: o.consecutiveGatewayErrors };
    out['enforcing_consecutive_gateway_failure'] = { value: o.consecutiveGatewayErrors > 0 ? 100 : 0 };
  }
  const interval = o.interval !== undefined ? parseDuration(o.interval) : undefined;
  if (interval) out['interval'] = interval;
  if ((o.maxEjectionPercent ?? 0) > 0) out['max_ejection_percent'] = { value: o.maxEjectionPercent };
  cluster['outlier_detection'] = out;
  cluster['common_lb_config'] = { ...((cluster['common_lb_config'] as XdsResource | undefined) ?? {}), healthy_panic_threshold: { value: o.minHealthPercent ?? 0 } };
}

/**
 * Istio 1.4's `applyLoadBalancer`: locality-weighted balancing when outlier detection is on;
 * ORIGINAL_DST clusters keep CLUSTER_PROVIDED; `simple` maps LEAST_CONN → LEAST_REQUEST, RANDOM,
 * ROUND_ROBIN, PASSTHROUGH → ORIGINAL_DST; `consistentHash` → RING_HASH with a minimum ring size (1024 by default).
 * https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers
 */
export function applyLoadBalancer(cluster: XdsResource, lb: LoadBalancerSettings | undefined): void {
  if (cluster['outlier_detection']) {
    cluster['common_lb_config'] = { ...((cluster['common_lb_config'] as XdsResource | undefined) ?? {}), locality_weighted_lb_config: {} };
  }
  if (cluster['type'] === 'ORIGINAL_DST') {
    cluster['lb_policy'] = 'CLUSTER_PROVIDED';
    return;
  }
  if (!lb) return;
  switch (lb.simple) {
    case 'LEAST_CONN':
    case 'LEAST_REQUEST':
      cluster['lb_policy'] = 'LEAST_REQUEST';
      break;
    case 'RANDOM':
      cluster['lb_policy'] = 'RANDOM';
      break;
    case 'ROUND_ROBIN':
      cluster['lb_policy'] = 'ROUND_ROBIN';
      break;
    case 'PASSTHROUGH':
      cluster['lb_policy'] = 'CLUSTER_PROVIDED';
      cluster['type'] = 'ORIGINAL_DST';
      delete cluster['eds_cluster_config'];
      break;
    default:
      break;
  }
  if (lb.consistentHash) {
    cluster['lb_policy'] = 'RING_HASH';
    cluster['ring_hash_lb_config'] = { minimum_ring_size: { value: lb.consistentHash.minimumRingSize || 1024 } };
  }
}
