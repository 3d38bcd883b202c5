import type { ValidationResult } from '@mesh/shared-api';
import type { ClusterModel, OriginalDstModel } from '../../routing/model.js';
import { arr, boolValue, durationMs, isSet, obj, Problems, str, uint32Value } from './fields.js';
import { loadAssignment } from './cluster-load-assignment.js';
import { circuitBreakers, loadBalancing, outlierDetection, panicThreshold, upstreamHttp, upstreamTransport } from './cluster-policies.js';

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Envoy's default `connect_timeout` when a cluster leaves it unset. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * Decodes an `envoy.config.cluster.v3.Cluster`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto).
 * EDS clusters take endpoints from the ClusterLoadAssignment named by `eds_cluster_config.service_name`
 * (or the cluster name); STATIC and DNS clusters carry them in `load_assignment` (a DNS name is
 * resolved when connecting). ORIGINAL_DST clusters forward to the connection's original destination
 * (see {@link originalDst}). Other discovery types are refused. Policies: cluster-policies.ts.
 */
export function decodeCluster(raw: Record<string, unknown>): ValidationResult<ClusterModel> {
  const p = new Problems();
  const name = str(raw['name']);
  if (!name) p.add('name', 'a cluster needs a name');
  if (isSet(raw['cluster_type'])) p.add('cluster_type', 'custom cluster types are not supported by the sidecar');
  const type = str(raw['type']) || 'STATIC';
  const connectTimeoutMs = durationMs(raw['connect_timeout']) ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (connectTimeoutMs <= 0) p.add('connect_timeout', 'connect_timeout must be positive');
  const transport = upstreamTransport(raw, p);
  // ORIGINAL_DST brings its own load balancer; lb_policy must say so (Envoy refuses anything else).
  const lb = type === 'ORIGINAL_DST' ? originalDstLb(raw, p) : loadBalancing(raw, p);
  const policies = {
    ...lb,
    ...optional('thresholds', circuitBreakers(raw['circuit_breakers'], p)),
    ...optional('outlierDetection', outlierDetection(raw['outlier_detection'], p)),
    panicThresholdPercent: panicThreshold(raw),
    http: upstreamHttp(raw, p),
    ...optional('transport', transport),
  };
  let model: ClusterModel;
  switch (type) {
    case 'EDS': {
      const eds = obj(raw['eds_cluster_config']);
      const edsServiceName = str(eds['service_name']) || name;
      model = { name, type: 'EDS', edsServiceName, connectTimeoutMs, ...policies };
      break;
    }
    case 'STATIC':
    case 'STRICT_DNS':
    case 'LOGICAL_DNS': {
      const la = loadAssignment({ cluster_name: name, ...obj(raw['load_assignment']) }, 'load_assignment.', p);
      model = { name, type: 'STATIC', connectTimeoutMs, loadAssignment: la, ...policies };
      break;
    }
    case 'ORIGINAL_DST': {
      const endpoints = arr(obj(raw['load_assignment'])['endpoints']).flatMap((e) => arr(obj(e)['lb_endpoints']));
      if (endpoints.length > 0) p.add('load_assignment', 'an ORIGINAL_DST cluster takes its hosts from connections and must not list endpoints');
      model = { name, type: 'ORIGINAL_DST', originalDst: originalDst(raw['original_dst_lb_config'], p), connectTimeoutMs, ...policies };
      break;
    }
    default:
      p.add('type', `cluster discovery type ${type} is not supported by the sidecar`);
      model = { name, type: 'STATIC', connectTimeoutMs };
  }
  return p.ok ? { ok: true, value: model, warnings: p.warnings } : { ok: false, errors: p.list };
}

/** Envoy accepts only CLUSTER_PROVIDED (or its v2 name ORIGINAL_DST_LB) on an ORIGINAL_DST cluster. */
function originalDstLb(raw: Record<string, unknown>, p: Problems): Record<string, never> {
  const lb = str(raw['lb_policy']) || 'ROUND_ROBIN';
  if (lb !== 'CLUSTER_PROVIDED' && lb !== 'ORIGINAL_DST_LB') p.add('lb_policy', `lb_policy ${lb} is not valid for an ORIGINAL_DST cluster: only CLUSTER_PROVIDED`);
  if (isSet(raw['load_balancing_policy'])) p.add('load_balancing_policy', 'load_balancing_policy is not supported by the sidecar; use lb_policy');
  return {};
}

/**
 * `original_dst_lb_config` (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-originaldstlbconfig):
 * `use_http_header` with `http_header_name` (default `x-envoy-original-dst-host`) and
 * `upstream_port_override`. `metadata_key` (host from dynamic metadata) is refused.
 */
function originalDst(raw: unknown, p: Problems): OriginalDstModel {
  const c = obj(raw);
  if (isSet(c['metadata_key'])) p.add('original_dst_lb_config.metadata_key', 'taking the original destination from metadata is not supported by the sidecar');
  const port = uint32Value(c['upstream_port_override']);
  if (port !== undefined && (port < 1 || port > 65535)) p.add('original_dst_lb_config.upstream_port_override', `not a port: ${port}`);
  return {
    useHttpHeader: boolValue(c['use_http_header']) === true,
    httpHeaderName: (str(c['http_header_name']) || 'x-envoy-original-dst-host').toLowerCase(),
    ...(port !== undefined ? { portOverride: port } : {}),
  };
}
