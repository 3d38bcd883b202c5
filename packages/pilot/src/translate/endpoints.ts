import { outboundClusterName } from '@mesh/shared-api';
import { labelsMatch } from '../model/service.js';
import type { ServiceEndpoint } from '../model/service.js';
import type { MeshIndex } from './mesh-index.js';
import type { XdsResource } from './resources.js';
import { socketAddress } from './resources.js';

/** A ClusterLoadAssignment with one locality holding the given endpoints (possibly none). */
export function loadAssignment(clusterName: string, endpoints: readonly ServiceEndpoint[]): XdsResource {
  return {
    cluster_name: clusterName,
    endpoints: [{ lb_endpoints: endpoints.map((ep) => ({ endpoint: { address: socketAddress(ep.address, ep.port) } })) }],
  };
}

/**
 * One ClusterLoadAssignment per outbound EDS cluster, in cluster order: the service port's
 * endpoints, narrowed to the subset's labels for a subset cluster. An empty list is valid: the
 * sidecar answers 503 (no healthy upstream).
 */
export function buildLoadAssignments(index: MeshIndex): XdsResource[] {
  const out: XdsResource[] = [];
  for (const svc of index.state.services) {
    const subsets = index.subsets(svc.hostname);
    for (const p of svc.ports) {
      const eps = index.endpoints(svc.hostname, p.port);
      out.push(loadAssignment(outboundClusterName(svc.hostname, p.port), eps));
      for (const s of subsets) {
        out.push(loadAssignment(outboundClusterName(svc.hostname, p.port, s.name), eps.filter((ep) => labelsMatch(s.labels, ep.labels))));
      }
    }
  }
  return out;
}
