import type { ValidationResult } from '@mesh/shared-api';
import type { ClusterModel } from '../../routing/model.js';
import { durationMs, isSet, obj, Problems, str } from './fields.js';
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
 * resolved when connecting). Other discovery types are refused. Policies: cluster-policies.ts.
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
  const policies = {
    ...loadBalancing(raw, p),
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
    default:
      p.add('type', `cluster discovery type ${type} is not supported by the sidecar`);
      model = { name, type: 'STATIC', connectTimeoutMs };
  }
  return p.ok ? { ok: true, value: model, warnings: p.warnings } : { ok: false, errors: p.list };
}
