/** xDS v3 resource type URLs (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol). */
export const TypeUrls = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  HttpConnectionManager: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
} as const;

/** One of the four resource types served over ADS. */
export type XdsResourceType = 'Listener' | 'RouteConfiguration' | 'Cluster' | 'ClusterLoadAssignment';

/** The order a state-of-the-world server sends types in, so no reference dangles (CDS→EDS→LDS→RDS). */
export const XDS_PUSH_ORDER: readonly XdsResourceType[] = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'];

/** The short type name for a type URL, or undefined for a type the mesh does not serve. */
export function resourceTypeOf(typeUrl: string): XdsResourceType | undefined {
  for (const t of XDS_PUSH_ORDER) if (TypeUrls[t] === typeUrl) return t;
  return undefined;
}

/** The fully-qualified proto message name inside a type URL. */
export function messageNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
