import type { LbPolicy, OutlierDetectionModel, ThresholdsModel, UpstreamHttpModel } from '../../routing/cluster-model.js';
import { DEFAULT_THRESHOLDS } from '../../routing/cluster-model.js';
import { arr, durationMs, isSet, obj, percent, str, uint32Value } from './fields.js';
import type { Problems } from './fields.js';
import { ExtensionTypeUrls, unpackTyped } from './typed-config.js';
import { structToJson } from '@mesh/shared-api';
import type { UpstreamTlsModel, UpstreamTransportModel, ValidationSource } from '../../routing/tls-model.js';
import { commonCertificate, commonValidation } from './downstream-tls.js';

/**
 * The policy parts of an `envoy.config.cluster.v3.Cluster`: load balancer, circuit breakers,
 * outlier detection, panic threshold and upstream HTTP options, with Envoy's defaults.
 * Anything the sidecar cannot honour is a violation (NACK).
 */

const LB_POLICIES: ReadonlySet<string> = new Set<LbPolicy>(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV']);

/** Default ring sizes (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-ringhashlbconfig). */
const RING_MIN = 1024;
const RING_MAX = 8 * 1024 * 1024;
const MAGLEV_TABLE = 65537;

/** `lb_policy` with its type-specific settings. */
export function loadBalancing(raw: Record<string, unknown>, p: Problems): { lbPolicy: LbPolicy; choiceCount?: number; ringSize?: { min: number; max: number }; maglevTableSize?: number } {
  if (isSet(raw['load_balancing_policy'])) p.add('load_balancing_policy', 'load_balancing_policy is not supported by the sidecar; use lb_policy');
  const lb = str(raw['lb_policy']) || 'ROUND_ROBIN';
  if (!LB_POLICIES.has(lb)) {
    p.add('lb_policy', `lb_policy ${lb} is not supported by the sidecar`);
    return { lbPolicy: 'ROUND_ROBIN' };
  }
  const lbPolicy = lb as LbPolicy;
  if (lbPolicy === 'LEAST_REQUEST') {
    const choiceCount = uint32Value(obj(raw['least_request_lb_config'])['choice_count']) ?? 2;
    if (choiceCount < 2) p.add('least_request_lb_config.choice_count', 'choice_count must be at least 2');
    return { lbPolicy, choiceCount };
  }
  if (lbPolicy === 'RING_HASH') {
    const cfg = obj(raw['ring_hash_lb_config']);
    const min = u64(cfg['minimum_ring_size']) ?? RING_MIN;
    const max = u64(cfg['maximum_ring_size']) ?? RING_MAX;
    if (min > max) p.add('ring_hash_lb_config.minimum_ring_size', `minimum_ring_size ${min} exceeds maximum_ring_size ${max}`);
    if (max > RING_MAX) p.add('ring_hash_lb_config.maximum_ring_size', `maximum_ring_size may be at most ${RING_MAX}`);
    return { lbPolicy, ringSize: { min, max } };
  }
  if (lbPolicy === 'MAGLEV') {
    const size = u64(obj(raw['maglev_lb_config'])['table_size']) ?? MAGLEV_TABLE;
    if (!isPrime(size) || size > 5_000_011) p.add('maglev_lb_config.table_size', `table_size ${size} must be a prime no larger than 5000011`);
    return { lbPolicy, maglevTableSize: size };
  }
  return { lbPolicy };
}

/** `circuit_breakers.thresholds`, one set per routing priority; unset fields take Envoy's defaults. */
export function circuitBreakers(raw: unknown, p: Problems): { DEFAULT: ThresholdsModel; HIGH: ThresholdsModel } | undefined {
  const list = arr(obj(raw)['thresholds']);
  if (list.length === 0) return undefined;
  const out = { DEFAULT: DEFAULT_THRESHOLDS, HIGH: DEFAULT_THRESHOLDS };
  for (const [i, tRaw] of list.entries()) {
    const t = obj(tRaw);
    const at = `circuit_breakers.thresholds[${i}].`;
    if (isSet(t['retry_budget'])) p.add(`${at}retry_budget`, 'retry budgets are not supported by the sidecar; use max_retries');
    const thresholds: ThresholdsModel = {
      maxConnections: uint32Value(t['max_connections']) ?? DEFAULT_THRESHOLDS.maxConnections,
      maxPendingRequests: uint32Value(t['max_pending_requests']) ?? DEFAULT_THRESHOLDS.maxPendingRequests,
      maxRequests: uint32Value(t['max_requests']) ?? DEFAULT_THRESHOLDS.maxRequests,
      maxRetries: uint32Value(t['max_retries']) ?? DEFAULT_THRESHOLDS.maxRetries,
    };
    if (str(t['priority']) === 'HIGH') out.HIGH = thresholds;
    else out.DEFAULT = thresholds;
  }
  return out;
}

/** Envoy `OutlierDetection` with its defaults (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto). */
export function outlierDetection(raw: unknown, p: Problems): OutlierDetectionModel | undefined {
  if (!isSet(raw)) return undefined;
  const o = obj(raw);
  if (o['split_external_local_origin_errors'] === true) p.add('outlier_detection.split_external_local_origin_errors', 'splitting local-origin errors is not supported by the sidecar');
  const pct = (k: string, d: number) => {
    const v = uint32Value(o[k]) ?? d;
    if (v > 100) p.add(`outlier_detection.${k}`, `${k} must be at most 100`);
    return Math.min(v, 100);
  };
  const baseEjectionTimeMs = durationMs(o['base_ejection_time']) ?? 30_000;
  const intervalMs = durationMs(o['interval']) ?? 10_000;
  if (intervalMs <= 0) p.add('outlier_detection.interval', 'interval must be positive');
  return {
    consecutive5xx: uint32Value(o['consecutive_5xx']) ?? 5,
    enforcingConsecutive5xx: pct('enforcing_consecutive_5xx', 100),
    consecutiveGatewayFailure: uint32Value(o['consecutive_gateway_failure']) ?? 5,
    enforcingConsecutiveGatewayFailure: pct('enforcing_consecutive_gateway_failure', 0),
    intervalMs: Math.max(intervalMs, 1),
    baseEjectionTimeMs,
    maxEjectionTimeMs: Math.max(durationMs(o['max_ejection_time']) ?? 300_000, baseEjectionTimeMs),
    maxEjectionPercent: pct('max_ejection_percent', 10),
    successRate: {
      minimumHosts: uint32Value(o['success_rate_minimum_hosts']) ?? 5,
      requestVolume: uint32Value(o['success_rate_request_volume']) ?? 100,
      stdevFactor: (uint32Value(o['success_rate_stdev_factor']) ?? 1900) / 1000,
      enforcing: pct('enforcing_success_rate', 100),
    },
    failurePercentage: {
      threshold: pct('failure_percentage_threshold', 85),
      minimumHosts: uint32Value(o['failure_percentage_minimum_hosts']) ?? 5,
      requestVolume: uint32Value(o['failure_percentage_request_volume']) ?? 50,
      enforcing: pct('enforcing_failure_percentage', 0),
    },
  };
}

/** `common_lb_config.healthy_panic_threshold` in percent (Envoy's default 50). */
export function panicThreshold(raw: Record<string, unknown>): number {
  return percent(obj(raw['common_lb_config'])['healthy_panic_threshold'], 50);
}

const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const ONE_HOUR_MS = 3_600_000;

/**
 * Upstream HTTP settings from the cluster's deprecated fields (`http2_protocol_options`,
 * `common_http_protocol_options`, `max_requests_per_connection`, `protocol_selection`) and from
 * `typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`,
 * which wins when present.
 */
export function upstreamHttp(raw: Record<string, unknown>, p: Problems): UpstreamHttpModel {
  let protocol: UpstreamHttpModel['protocol'] = isSet(raw['http2_protocol_options']) ? 'http2' : 'http1';
  if (str(raw['protocol_selection']) === 'USE_DOWNSTREAM_PROTOCOL') protocol = 'downstream';
  let common = obj(raw['common_http_protocol_options']);
  let maxRequestsPerConnection = uint32Value(raw['max_requests_per_connection']);
  const ext = obj(raw['typed_extension_protocol_options']);
  for (const [key, any] of Object.entries(ext)) {
    const typed = unpackTyped(any);
    if (key !== HTTP_OPTIONS_KEY && typed.typeUrl !== ExtensionTypeUrls.HttpProtocolOptions) {
      p.warn(`typed_extension_protocol_options[${key}] is not used by the sidecar`);
      continue;
    }
    if (!typed.ok) {
      p.add(`typed_extension_protocol_options[${key}]`, typed.error);
      continue;
    }
    const o = typed.value;
    if (isSet(o['common_http_protocol_options'])) common = obj(o['common_http_protocol_options']);
    if (isSet(o['explicit_http_config'])) {
      const e = obj(o['explicit_http_config']);
      if (isSet(e['http3_protocol_options'])) p.add(`typed_extension_protocol_options[${key}].explicit_http_config.http3_protocol_options`, 'HTTP/3 upstreams are not supported by the sidecar');
      protocol = isSet(e['http2_protocol_options']) ? 'http2' : 'http1';
    } else if (isSet(o['use_downstream_protocol_config'])) protocol = 'downstream';
    else if (isSet(o['auto_config'])) protocol = 'http1'; // without TLS and ALPN, auto means HTTP/1.1
  }
  maxRequestsPerConnection = uint32Value(common['max_requests_per_connection']) ?? maxRequestsPerConnection;
  const idle = durationMs(common['idle_timeout']);
  return {
    protocol,
    ...(maxRequestsPerConnection ? { maxRequestsPerConnection } : {}),
    // An idle_timeout of 0 disables it (Envoy); the default is one hour.
    idleTimeoutMs: idle === undefined ? ONE_HOUR_MS : idle,
  };
}

function u64(v: unknown): number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return Number(v);
  const inner = obj(v)['value'];
  return inner === undefined ? (isSet(v) ? 0 : undefined) : Number(inner);
}

function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;
  return true;
}

/**
 * One upstream transport socket: `envoy.transport_sockets.tls` with an `UpstreamTlsContext`
 * (certificate and trust bundle inline, from files or from the agent over SDS, SAN matchers, SNI,
 * ALPN), or `raw_buffer` (plaintext: undefined). Other transport sockets are violations.
 */
export function upstreamTls(raw: unknown, at: string, p: Problems): UpstreamTlsModel | undefined {
  if (!isSet(raw)) return undefined;
  const ts = obj(raw);
  const typed = unpackTyped(ts['typed_config']);
  if (typed.typeUrl === '' && RAW_BUFFER_NAMES.has(str(ts['name']))) return undefined;
  if (typed.typeUrl.endsWith('.RawBuffer')) return undefined;
  if (!typed.ok || typed.typeUrl !== ExtensionTypeUrls.UpstreamTlsContext) {
    p.add(`${at}typed_config`, typed.ok || typed.typeUrl ? `transport socket ${typed.typeUrl || str(ts['name'])} is not supported by the sidecar` : typed.error);
    return undefined;
  }
  const ctx = typed.value;
  const cat = `${at}typed_config.common_tls_context.`;
  const common = obj(ctx['common_tls_context']);
  const certificate = commonCertificate(common, cat, p);
  const { trustedCa, rootSecret, matchSubjectAltNames } = commonValidation(common, cat, p);
  const validation: ValidationSource | undefined = rootSecret ? { kind: 'sds', name: rootSecret } : trustedCa ? { kind: 'pem', trustedCa } : undefined;
  const sni = str(ctx['sni']);
  return {
    ...(certificate ? { certificate } : {}),
    ...(validation ? { validation } : {}),
    ...(matchSubjectAltNames.length > 0 ? { matchSubjectAltNames } : {}),
    ...(sni ? { sni } : {}),
    alpn: arr(common['alpn_protocols']).map(str).filter((a) => a !== ''),
  };
}

const RAW_BUFFER_NAMES = new Set(['envoy.transport_sockets.raw_buffer', 'raw_buffer']);

/**
 * A cluster's `transport_socket` and `transport_socket_matches`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-transportsocketmatch):
 * matches are tried in order against each endpoint's `envoy.transport_socket_match` metadata.
 */
export function upstreamTransport(raw: Record<string, unknown>, p: Problems): UpstreamTransportModel | undefined {
  const tls = upstreamTls(raw['transport_socket'], 'transport_socket.', p);
  const matches = arr(raw['transport_socket_matches']).map((mRaw, i) => {
    const m = obj(mRaw);
    const fields = structToJson(m['match']) ?? {};
    const match: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === 'string') match[k] = v;
      else p.add(`transport_socket_matches[${i}].match.${k}`, 'only string values are matched by the sidecar');
    }
    const mtls = upstreamTls(m['transport_socket'], `transport_socket_matches[${i}].transport_socket.`, p);
    return { name: str(m['name']), match, ...(mtls ? { tls: mtls } : {}) };
  });
  if (!tls && matches.length === 0) return undefined;
  return { ...(tls ? { tls } : {}), ...(matches.length > 0 ? { matches } : {}) };
}
