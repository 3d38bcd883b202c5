import { jsonToStruct } from '@mesh/shared-api';
import type { ServiceEndpoint } from '../model/service.js';
import type { XdsResource } from './resources.js';
import { socketAddress } from './resources.js';

/** An EDS cluster and the endpoints its ClusterLoadAssignment selects. */
export interface EdsCluster {
  clusterName: string;
  hostname: string;
  port: number;
  /** Subset labels; undefined for the subset-less cluster. */
  labels: Readonly<Record<string, string>> | undefined;
}

/** Envoy's Locality for Istio's `region/zone/subzone`. */
export function locality(text: string | undefined): XdsResource {
  const [region, zone, subZone] = (text ?? '').split('/');
  const out: XdsResource = {};
  if (region) out['region'] = region;
  if (zone) out['zone'] = zone;
  if (subZone) out['sub_zone'] = subZone;
  return out;
}

/**
 * Endpoint metadata Istio 1.4 attaches (`BuildLbEndpointMetadata`): the `tlsMode` the cluster's
 * `transport_socket_matches` select on, under `envoy.transport_socket_match`.
 */
function endpointMetadata(ep: ServiceEndpoint): XdsResource | undefined {
  if (!ep.tlsMode) return undefined;
  return { filter_metadata: { 'envoy.transport_socket_match': jsonToStruct({ tlsMode: ep.tlsMode }) } };
}

/**
 * Istio 1.4's `buildLocalityLbEndpoints`: endpoints grouped by locality (sorted), each with a
 * `load_balancing_weight` (its weight, default 1) and each locality weighted by the sum — gRPC's
 * xDS client ignores localities without a weight.
 */
export function localityLbEndpoints(endpoints: readonly ServiceEndpoint[]): XdsResource[] {
  const byLocality = new Map<string, ServiceEndpoint[]>();
  for (const ep of endpoints) {
    const key = ep.locality ?? '';
    let list = byLocality.get(key);
    if (!list) byLocality.set(key, (list = []));
    list.push(ep);
  }
  return [...byLocality.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([loc, eps]) => ({
      locality: locality(loc),
      lb_endpoints: eps.map((ep) => {
        const lb: XdsResource = { endpoint: { address: socketAddress(ep.address, ep.port) }, load_balancing_weight: { value: ep.weight && ep.weight > 0 ? ep.weight : 1 } };
        const md = endpointMetadata(ep);
        if (md) lb['metadata'] = md;
        return lb;
      }),
      load_balancing_weight: { value: eps.reduce((s, ep) => s + (ep.weight && ep.weight > 0 ? ep.weight : 1), 0) },
    }));
}

/** A ClusterLoadAssignment; no endpoints at all is valid (the proxy answers 503 UH, no healthy upstream). */
export function loadAssignment(clusterName: string, endpoints: readonly ServiceEndpoint[]): XdsResource {
  const localities = localityLbEndpoints(endpoints);
  return localities.length > 0 ? { cluster_name: clusterName, endpoints: localities } : { cluster_name: clusterName };
}
