import { structToJson } from '@mesh/shared-api';
import type { ValidationResult } from '@mesh/shared-api';
import type { EndpointModel, LoadAssignmentModel } from '../../routing/cluster-model.js';
import { arr, obj, Problems, str, uint32Value } from './fields.js';

/** Health states Envoy does not send traffic to (`envoy.config.core.v3.HealthStatus`). */
const EXCLUDED_HEALTH = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

/**
 * Decodes an `envoy.config.endpoint.v3.ClusterLoadAssignment`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto).
 * An empty endpoint list is valid: the cluster exists but has no healthy upstream (503 UH).
 * Only the highest priority present is used (Envoy fails over by priority; the mesh sends one).
 */
export function decodeClusterLoadAssignment(raw: Record<string, unknown>): ValidationResult<LoadAssignmentModel> {
  const p = new Problems();
  const model = loadAssignment(raw, '', p);
  return p.ok ? { ok: true, value: model, warnings: p.warnings } : { ok: false, errors: p.list };
}

/** Decodes a ClusterLoadAssignment found at `at` (also a STATIC cluster's inline `load_assignment`). */
export function loadAssignment(raw: Record<string, unknown>, at: string, p: Problems): LoadAssignmentModel {
  const clusterName = str(raw['cluster_name']);
  if (!clusterName) p.add(`${at}cluster_name`, 'a load assignment needs cluster_name');
  const localities = arr(raw['endpoints']).map((l) => obj(l));
  const priorities = localities.map((l) => Number(l['priority'] ?? 0));
  const best = priorities.length > 0 ? Math.min(...priorities) : 0;
  const endpoints: EndpointModel[] = [];
  for (const [i, loc] of localities.entries()) {
    for (const [j, lbRaw] of arr(loc['lb_endpoints']).entries()) {
      const lb = obj(lbRaw);
      const where = `${at}endpoints[${i}].lb_endpoints[${j}].endpoint.address.socket_address`;
      const sock = obj(obj(obj(lb['endpoint'])['address'])['socket_address']);
      const address = str(sock['address']);
      const port = uint32Value(sock['port_value']);
      if (!address) p.add(`${where}.address`, 'an endpoint needs an address');
      if (port === undefined || port < 1 || port > 65535) p.add(`${where}.port_value`, `an endpoint needs a port (1-65535), got ${String(port)}`);
      if (priorities[i] !== best || EXCLUDED_HEALTH.has(str(lb['health_status']))) continue;
      const hostname = str(obj(lb['endpoint'])['hostname']);
      const transportMatch = transportMatchOf(lb['metadata']);
      if (address && port) endpoints.push({ address, port, ...(hostname ? { hostname } : {}), ...(transportMatch ? { transportMatch } : {}) });
    }
  }
  return { clusterName, endpoints };
}

/** String fields of `metadata.filter_metadata["envoy.transport_socket_match"]` (Istio's `tlsMode`), which choose the endpoint's transport socket. */
function transportMatchOf(metadata: unknown): Record<string, string> | undefined {
  const json = structToJson(obj(obj(metadata)['filter_metadata'])['envoy.transport_socket_match']);
  if (!json) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
