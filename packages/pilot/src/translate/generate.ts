import type { Proxy } from '../model/proxy.js';
import { labelsMatch } from '../model/service.js';
import { blackHoleCluster, buildInboundClusters, buildOutboundClusters, passthroughCluster } from './cluster/clusters.js';
import type { ServerMtlsLookup } from './cluster/clusters.js';
import type { EdsCluster } from './endpoints.js';
import { loadAssignment } from './endpoints.js';
import { buildGatewayListenersAndRoutes } from './gateway/gateway.js';
import { inboundListener } from './listener/inbound.js';
import { buildOutboundListeners, outboundHttpPorts } from './listener/outbound.js';
import type { MeshIndex } from './mesh-index.js';
import { proxylessListenersAndRoutes } from './proxyless.js';
import type { GeneratedResources, XdsResource } from './resources.js';
import { sidecarRouteConfiguration } from './route/virtual-hosts.js';
import { proxyScope } from './scope.js';
import type { ProxyScope } from './scope.js';
import { serverMtlsMode } from './security/authn.js';
import { advertiseEndpoints } from './security/auto-mtls.js';
import { inboundSecurity } from './security/inbound-security.js';

/**
 * What a proxy gets from the mesh as seen from its scope — the same for every proxy of one
 * scope, so a push computes it once per scope: outbound clusters (and catch-alls), their
 * endpoints, outbound listeners and routes; plus the EDS clusters its load assignments cover.
 */
export interface OutboundResources {
  resources: GeneratedResources;
  eds: EdsCluster[];
}

/** What only this proxy gets: its inbound clusters and listener. */
export type InboundResources = Pick<GeneratedResources, 'Cluster' | 'Listener'>;

/** ClusterLoadAssignments for EDS clusters, in cluster order: the port's endpoints (tlsMode as auto mTLS sees it) narrowed to the subset's labels. */
export function buildLoadAssignments(index: MeshIndex, eds: readonly EdsCluster[]): XdsResource[] {
  return eds.map((c) => loadAssignment(c.clusterName, advertiseEndpoints(index, c.hostname, c.port, index.endpoints(c.hostname, c.port)).filter((ep) => !c.labels || labelsMatch(c.labels, ep.labels))));
}

/** How a service's servers take connections, for auto mTLS. */
const serverMtls = (index: MeshIndex): ServerMtlsLookup => (svc, port) => serverMtlsMode(index, svc, port);

/**
 * The outbound part of a proxy's resources (docs/xds-contract.md). Sidecars: clusters of every
 * visible service, the catch-alls when an outbound traffic policy is set, outbound listeners, one
 * route configuration per HTTP port. Gateways: clusters, BlackHoleCluster, listeners and routes from
 * the Gateways selecting them. Proxyless gRPC: clusters, api_listeners and their routes. Pure.
 */
export function generateOutbound(index: MeshIndex, proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, scope: ProxyScope): OutboundResources {
  const outbound = buildOutboundClusters(index, scope.services, proxy, serverMtls(index));
  const ClusterLoadAssignment = buildLoadAssignments(index, outbound.eds);
  if (proxy.type === 'router') {
    const { listeners, routes } = buildGatewayListenersAndRoutes(index, scope, proxy);
    return { eds: outbound.eds, resources: { Cluster: [...outbound.clusters, blackHoleCluster(index)], ClusterLoadAssignment, Listener: listeners, RouteConfiguration: routes } };
  }
  if (proxy.type === 'grpc') {
    const { listeners, routes } = proxylessListenersAndRoutes(index, scope, proxy);
    return { eds: outbound.eds, resources: { Cluster: outbound.clusters, ClusterLoadAssignment, Listener: listeners, RouteConfiguration: routes } };
  }
  const catchAll = scope.outboundTrafficPolicy === 'NONE' ? [] : [blackHoleCluster(index), passthroughCluster(index)];
  return {
    eds: outbound.eds,
    resources: {
      Cluster: [...outbound.clusters, ...catchAll],
      ClusterLoadAssignment,
      Listener: buildOutboundListeners(index, scope, proxy),
      RouteConfiguration: outboundHttpPorts(scope.services).map((port) => sidecarRouteConfiguration(index, scope, proxy, port)),
    },
  };
}

/** The inbound part: a sidecar's own clusters and `virtualInbound` listener (none for gateways and gRPC clients). Pure. */
export function generateInbound(index: MeshIndex, proxy: Proxy): InboundResources {
  if (proxy.type !== 'sidecar') return { Cluster: [], Listener: [] };
  const inbound = inboundListener(proxy, inboundSecurity(index, proxy));
  return { Cluster: buildInboundClusters(index, proxy), Listener: inbound ? [inbound] : [] };
}

/** Outbound then inbound resources of each type, the order a proxy receives them in. */
export function mergeResources(outbound: GeneratedResources, inbound: InboundResources): GeneratedResources {
  return {
    Cluster: [...outbound.Cluster, ...inbound.Cluster],
    ClusterLoadAssignment: outbound.ClusterLoadAssignment,
    Listener: [...outbound.Listener, ...inbound.Listener],
    RouteConfiguration: outbound.RouteConfiguration,
  };
}

/** Translates the mesh into one proxy's xDS resources. Pure. */
export function generateResources(index: MeshIndex, proxy: Proxy, scope: ProxyScope = proxyScope(index, proxy)): GeneratedResources {
  return mergeResources(generateOutbound(index, proxy, scope).resources, generateInbound(index, proxy));
}
