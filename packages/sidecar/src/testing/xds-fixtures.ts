import { inboundClusterName, INBOUND_LISTENER, outboundClusterName, packAny, serviceFqdn, TypeUrls } from '@mesh/shared-api';
import type { AnyMessage } from '@mesh/shared-api';
import { ExtensionTypeUrls, packTyped } from '../xds/decode/typed-config.js';

/**
 * Hand-built xDS resources in the shapes docs/xds-contract.md says Pilot sends, encoded as
 * `google.protobuf.Any` — for tests of the sidecar and of anything that speaks to it.
 */

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };

/** `outbound|<port>|<subset>|<fqdn>`: an EDS cluster; `extra` adds or overrides Cluster fields (lb_policy, circuit_breakers, ...). */
export function edsCluster(name: string, extra: Record<string, unknown> = {}): AnyMessage {
  return packAny(TypeUrls.Cluster, {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: ADS_SOURCE },
    connect_timeout: { seconds: 10 },
    lb_policy: 'ROUND_ROBIN',
    ...extra,
  });
}

/** `inbound|<port>||<fqdn>`: a STATIC cluster pointing at the local app. */
export function inboundCluster(name: string, appPort: number): AnyMessage {
  return packAny(TypeUrls.Cluster, {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: 10 },
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [lbEndpoint('127.0.0.1', appPort)] }] },
  });
}

function lbEndpoint(address: string, port: number): Record<string, unknown> {
  return { endpoint: { address: { socket_address: { address, port_value: port } } } };
}

/** A ClusterLoadAssignment with the given `[address, port]` endpoints (may be empty). */
export function loadAssignment(cluster: string, endpoints: ReadonlyArray<readonly [string, number]>): AnyMessage {
  return packAny(TypeUrls.ClusterLoadAssignment, { cluster_name: cluster, endpoints: [{ lb_endpoints: endpoints.map(([a, p]) => lbEndpoint(a, p)) }] });
}

const ROUTER_FILTER = () => ({ name: 'envoy.filters.http.router', typed_config: packAny(TypeUrls.Router, {}) });

/** The HTTP filters Istio puts on a sidecar's outbound connection managers: CORS, fault injection, router. */
export function istioHttpFilters(): Array<Record<string, unknown>> {
  return [
    { name: 'envoy.filters.http.cors', typed_config: packTyped(ExtensionTypeUrls.Cors, {}) },
    { name: 'envoy.filters.http.fault', typed_config: packTyped(ExtensionTypeUrls.HTTPFault, {}) },
    ROUTER_FILTER(),
  ];
}

function hcm(routeSpec: Record<string, unknown>, httpFilters?: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): AnyMessage {
  return packAny(TypeUrls.HttpConnectionManager, {
    stat_prefix: 'outbound',
    ...routeSpec,
    http_filters: httpFilters ?? [ROUTER_FILTER()],
    ...extra,
  });
}

/** `0.0.0.0_<port>`: an outbound listener whose routes come from RDS `"<port>"` (router filter only unless `httpFilters` are given; `hcmExtra` adds HttpConnectionManager fields). */
export function outboundListener(port: number, httpFilters?: Array<Record<string, unknown>>, hcmExtra: Record<string, unknown> = {}): AnyMessage {
  return packAny(TypeUrls.Listener, {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [
      {
        filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ rds: { route_config_name: String(port), config_source: ADS_SOURCE } }, httpFilters, hcmExtra) }],
      },
    ],
  });
}

/** A RouteConfiguration from plain Envoy objects: `virtual_hosts` and any other fields. */
export function rawRouteConfiguration(name: string, virtualHosts: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): AnyMessage {
  return packAny(TypeUrls.RouteConfiguration, { name, virtual_hosts: virtualHosts, ...extra });
}

/** `virtualInbound`: one filter chain per workload port, each sending everything to its inbound cluster. */
export function inboundListener(ports: ReadonlyArray<{ endpointPort: number; servicePort: number; fqdn: string }>, listenPort = 15006): AnyMessage {
  return packAny(TypeUrls.Listener, {
    name: INBOUND_LISTENER,
    address: { socket_address: { address: '0.0.0.0', port_value: listenPort } },
    filter_chains: ports.map((p) => {
      const cluster = inboundClusterName(p.fqdn, p.servicePort);
      return {
        filter_chain_match: { destination_port: { value: p.endpointPort } },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: hcm({
              route_config: { name: cluster, virtual_hosts: [{ name: 'inbound|http', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
            }),
          },
        ],
      };
    }),
  });
}

/** The domains Pilot lists for a service port (docs/xds-contract.md). */
export function serviceDomains(name: string, namespace: string, port: number): string[] {
  const fqdn = serviceFqdn(name, namespace);
  return [fqdn, `${name}`, `${name}.${namespace}`, `${name}.${namespace}.svc`].flatMap((d) => [d, `${d}:${port}`]);
}

/** An Envoy route (plain object with proto field names) sending a prefix to one cluster. */
export function prefixRoute(prefix: string, cluster: string): Record<string, unknown> {
  return { match: { prefix }, route: { cluster } };
}

/** An Envoy route splitting traffic by weight: `[[cluster, weight], ...]`. */
export function weightedRoute(prefix: string, split: ReadonlyArray<readonly [string, number]>): Record<string, unknown> {
  return { match: { prefix }, route: { weighted_clusters: { clusters: split.map(([name, weight]) => ({ name, weight: { value: weight } })) } } };
}

/** RouteConfiguration `"<port>"` with one virtual host per service. */
export function routeConfiguration(port: number, hosts: ReadonlyArray<{ name: string; namespace: string; routes?: Array<Record<string, unknown>> }>): AnyMessage {
  return packAny(TypeUrls.RouteConfiguration, {
    name: String(port),
    virtual_hosts: hosts.map((h) => {
      const fqdn = serviceFqdn(h.name, h.namespace);
      return { name: `${fqdn}:${port}`, domains: serviceDomains(h.name, h.namespace, port), routes: h.routes ?? [prefixRoute('/', outboundClusterName(fqdn, port))] };
    }),
  });
}

/** A listener with explicit filter chains (plain Envoy objects) and listener filters. */
export function rawListener(name: string, port: number, filterChains: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): AnyMessage {
  return packAny(TypeUrls.Listener, { name, address: { socket_address: { address: '0.0.0.0', port_value: port } }, filter_chains: filterChains, ...extra });
}

/** A network filter entry running the HTTP connection manager with routes from RDS `routeName`. */
export function hcmFilter(routeName: string, extra: Record<string, unknown> = {}, httpFilters?: Array<Record<string, unknown>>): Record<string, unknown> {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ rds: { route_config_name: routeName, config_source: ADS_SOURCE } }, httpFilters, extra) };
}

/** A network filter entry running the TCP proxy to `cluster`. */
export function tcpProxyFilter(cluster: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: packTyped(ExtensionTypeUrls.TcpProxy, { stat_prefix: cluster, cluster, ...extra }) };
}

/** A `transport_socket` terminating TLS with the given DownstreamTlsContext fields. */
export function tlsTransportSocket(context: Record<string, unknown>): Record<string, unknown> {
  return { name: 'envoy.transport_sockets.tls', typed_config: packTyped(ExtensionTypeUrls.DownstreamTlsContext, context) };
}

/** The tls_inspector listener filter. */
export function tlsInspector(): Record<string, unknown> {
  return { name: 'envoy.filters.listener.tls_inspector', typed_config: packTyped(ExtensionTypeUrls.TlsInspector, {}) };
}
