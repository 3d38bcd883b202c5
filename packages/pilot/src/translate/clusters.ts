import { inboundClusterName, outboundClusterName } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import type { MeshIndex } from './mesh-index.js';
import type { XdsResource } from './resources.js';
import { adsConfigSource, socketAddress } from './resources.js';

/** Envoy's default is 5 s; Istio (and the contract) use 10 s. */
const CONNECT_TIMEOUT = { seconds: 10 };

/** One outbound EDS cluster; its endpoints come as a ClusterLoadAssignment named like the cluster. */
export function edsCluster(name: string): XdsResource {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: adsConfigSource() },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
  };
}

/**
 * Outbound clusters: `outbound|<port>||<fqdn>` for every service port in the mesh and
 * `outbound|<port>|<subset>|<fqdn>` for every DestinationRule subset of it.
 */
export function outboundClusterNames(index: MeshIndex): string[] {
  const names: string[] = [];
  for (const svc of index.state.services) {
    const subsets = index.subsets(svc.hostname);
    for (const p of svc.ports) {
      names.push(outboundClusterName(svc.hostname, p.port));
      for (const s of subsets) names.push(outboundClusterName(svc.hostname, p.port, s.name));
    }
  }
  return names;
}

/** Every cluster a proxy gets: the outbound EDS clusters, then a STATIC inbound cluster per own port. */
export function buildClusters(index: MeshIndex, proxy: Proxy): XdsResource[] {
  const clusters = outboundClusterNames(index).map(edsCluster);
  if (proxy.serviceHostname) {
    for (const p of proxy.ports) {
      const name = inboundClusterName(proxy.serviceHostname, p.port);
      clusters.push({
        name,
        type: 'STATIC',
        connect_timeout: CONNECT_TIMEOUT,
        lb_policy: 'ROUND_ROBIN',
        // The application listens on its own port on the same host as its sidecar.
        load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', p.targetPort) } }] }] },
      });
    }
  }
  return clusters;
}
