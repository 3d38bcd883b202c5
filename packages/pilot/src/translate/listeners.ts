import { INBOUND_LISTENER, inboundClusterName, outboundRouteName, TypeUrls } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import { isHttpProtocol } from '../model/service.js';
import type { MeshIndex } from './mesh-index.js';
import type { XdsResource } from './resources.js';
import { adsConfigSource, socketAddress } from './resources.js';

/** Where the sidecar's inbound listener accepts connections (Istio's `virtualInbound` port). */
export const INBOUND_LISTENER_PORT = 15006;

const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
const ROUTER_FILTER = 'envoy.filters.http.router';

/** The HTTP connection manager filter; `routes` is either `{ rds }` or `{ route_config }`. */
function httpConnectionManager(statPrefix: string, routes: XdsResource): XdsResource {
  return {
    name: HCM_FILTER,
    typed_config: {
      '@type': TypeUrls.HttpConnectionManager,
      // Envoy requires a stat prefix; Istio's form is <direction>_<address>_<port>.
      stat_prefix: statPrefix,
      ...routes,
      http_filters: [{ name: ROUTER_FILTER, typed_config: { '@type': TypeUrls.Router } }],
    },
  };
}

/** The ports that get an outbound listener: every HTTP service port in the mesh, ascending. */
export function outboundHttpPorts(index: MeshIndex): number[] {
  const ports = new Set<number>();
  for (const svc of index.state.services) for (const p of svc.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** `0.0.0.0_<port>`: the HCM fetches route configuration `<port>` over ADS (RDS). */
export function outboundListener(port: number): XdsResource {
  const name = `0.0.0.0_${port}`;
  return {
    name,
    address: socketAddress('0.0.0.0', port),
    filter_chains: [{ filters: [httpConnectionManager(`outbound_${name}`, { rds: { route_config_name: outboundRouteName(port), config_source: adsConfigSource() } })] }],
  };
}

/**
 * `virtualInbound` at 0.0.0.0:15006: one filter chain per port of the proxy's own workload, chosen
 * by the destination port peers connect to (`endpointPort`), routing everything to the inbound
 * cluster of that port. A proxy serving nothing (no service or no ports) gets no inbound listener:
 * Envoy rejects a listener without filter chains.
 */
export function inboundListener(proxy: Proxy): XdsResource | undefined {
  const host = proxy.serviceHostname;
  if (!host || proxy.ports.length === 0) return undefined;
  return {
    name: INBOUND_LISTENER,
    address: socketAddress('0.0.0.0', INBOUND_LISTENER_PORT),
    filter_chains: proxy.ports.map((p) => {
      const cluster = inboundClusterName(host, p.port);
      return {
        filter_chain_match: { destination_port: { value: p.endpointPort } },
        filters: [
          httpConnectionManager(`inbound_0.0.0.0_${p.endpointPort}`, {
            route_config: {
              name: cluster,
              virtual_hosts: [{ name: `inbound|http|${p.port}`, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
            },
          }),
        ],
      };
    }),
  };
}

/** Every listener a proxy gets: one per mesh HTTP port, then its inbound listener. */
export function buildListeners(index: MeshIndex, proxy: Proxy): XdsResource[] {
  const listeners = outboundHttpPorts(index).map(outboundListener);
  const inbound = inboundListener(proxy);
  if (inbound) listeners.push(inbound);
  return listeners;
}
