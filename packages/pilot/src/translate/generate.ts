import type { Proxy } from '../model/proxy.js';
import { buildClusters } from './clusters.js';
import { buildLoadAssignments } from './endpoints.js';
import { buildListeners } from './listeners.js';
import type { MeshIndex } from './mesh-index.js';
import type { GeneratedResources } from './resources.js';
import { buildRouteConfigurations } from './routes.js';

/**
 * Translates the mesh into one proxy's xDS resources (docs/xds-contract.md): every service for now
 * (Sidecar scoping comes later), plus the proxy's own inbound listener and clusters. Pure.
 */
export function generateResources(index: MeshIndex, proxy: Proxy): GeneratedResources {
  return {
    Cluster: buildClusters(index, proxy),
    ClusterLoadAssignment: buildLoadAssignments(index),
    Listener: buildListeners(index, proxy),
    RouteConfiguration: buildRouteConfigurations(index, proxy),
  };
}
