import type { ConfigResource } from '@mesh/shared-api';
import type { L4MatchAttributes, RouteDestination, VirtualServiceSpec } from '../../model/networking-specs.js';
import type { Proxy } from '../../model/proxy.js';
import { hostMatches } from '../host-match.js';
import { qualifyGateway, virtualServiceGateways } from '../mesh-index.js';
import type { MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { adsConfigSource, socketAddress } from '../resources.js';
import { destinationCluster } from '../route/action.js';
import type { RouteContext } from '../route/action.js';
import { isCatchAll } from '../route/match.js';
import { virtualServiceRoutes } from '../route/virtual-hosts.js';
import type { ProxyScope } from '../scope.js';
import { httpConnectionManager, tcpProxy, tlsInspector } from '../listener/hcm.js';
import type { BoundServer } from './servers.js';
import { gatewayRouteName, gatewayTlsSocket, isHttpServer, serversByPort, splitServerHost, terminatesTlsToHttp } from './servers.js';

/** The VirtualServices bound to the server's Gateway whose namespace its hosts allow, with the hosts they share. */
function boundVirtualServices(index: MeshIndex, scope: ProxyScope, s: BoundServer): { vs: ConfigResource<VirtualServiceSpec>; hosts: string[] }[] {
  const out: { vs: ConfigResource<VirtualServiceSpec>; hosts: string[] }[] = [];
  for (const vs of scope.virtualServices) {
    if (!virtualServiceGateways(vs).includes(s.gateway)) continue;
    const ns = vs.metadata.namespace ?? 'default';
    const hosts: string[] = [];
    for (const raw of s.server.hosts) {
      const sh = splitServerHost(raw, s.gatewayNamespace);
      if (sh.namespace !== '*' && sh.namespace !== ns) continue;
      // Istio's pickMatchingGatewayHosts: the more specific of the two names.
      for (const h of vs.spec.hosts ?? []) {
        const vh = index.resolve(h, ns);
        const pick = hostMatches(sh.host, vh) ? vh : hostMatches(vh, sh.host) ? sh.host : undefined;
        if (pick && !hosts.includes(pick)) hosts.push(pick);
      }
    }
    if (hosts.length > 0) out.push({ vs, hosts });
  }
  return out;
}

/**
 * Istio 1.4's `CombineVHostRoutes`: the routes of two VirtualServices for one host, each keeping its
 * order, with catch-all routes moved to the end.
 */
function combineRoutes(first: XdsResource[], second: XdsResource[]): XdsResource[] {
  const all = [...first, ...second];
  return [...all.filter((r) => !isCatchAll(r)), ...all.filter(isCatchAll)];
}

/**
 * A gateway's RouteConfiguration for one route name (Istio 1.4's `buildGatewayHTTPRouteConfig`):
 * one virtual host per host shared by a server and a bound VirtualService, named `<host>:<port>`
 * with domains `<host>` and `<host>:<port>`; routes of several VirtualServices for one host are
 * combined; `require_tls: ALL` when the server asks for an HTTPS redirect.
 */
function gatewayRouteConfiguration(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'namespace' | 'labels'>, name: string, servers: BoundServer[]): XdsResource {
  const vhosts = new Map<string, XdsResource>();
  for (const s of servers) {
    const port = s.server.port.number;
    const ctx: RouteContext = { index, proxy, gateways: scope.gateways, port };
    for (const { vs, hosts } of boundVirtualServices(index, scope, s)) {
      if (!vs.spec.http?.length) continue;
      const routes = virtualServiceRoutes(ctx, vs);
      if (routes.length === 0) continue;
      for (const host of hosts) {
        const existing = vhosts.get(host);
        if (existing) {
          existing['routes'] = combineRoutes(existing['routes'] as XdsResource[], routes);
          continue;
        }
        const vh: XdsResource = { name: `${host}:${port}`, domains: [host, `${host}:${port}`], routes };
        if (s.server.tls?.httpsRedirect) vh['require_tls'] = 'ALL';
        vhosts.set(host, vh);
      }
    }
  }
  const virtual_hosts = [...vhosts.values()].sort((a, b) => (String(a['name']) < String(b['name']) ? -1 : 1));
  return { name, virtual_hosts, validate_clusters: { value: false } };
}

function l4Applies(m: L4MatchAttributes, port: number, gateways: ReadonlySet<string>, vsNs: string): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== port) return false;
  if (m.gateways && m.gateways.length > 0) return m.gateways.some((g) => gateways.has(qualifyGateway(g, vsNs)));
  return true;
}

function l4Filters(index: MeshIndex, route: readonly RouteDestination[], vsNs: string, port: number): XdsResource[] {
  const dests = route.filter((d) => (d.weight ?? 0) > 0 || route.length === 1);
  if (dests.length === 1) {
    const cluster = destinationCluster(index, dests[0]!.destination, vsNs, port);
    return [tcpProxy(cluster, { cluster })];
  }
  const weighted = dests.map((d) => ({ name: destinationCluster(index, d.destination, vsNs, port), weight: d.weight ?? 0 }));
  return [tcpProxy(weighted[0]?.name ?? '', { weighted })];
}

/**
 * Filter chains of a TCP or TLS-passthrough server (Istio 1.4's `createGatewayTCPFilterChainOpts`):
 * passthrough servers route by SNI from the bound VirtualServices' `tls` routes; TCP servers take
 * the first applicable `tcp` route; a server terminating TLS to TCP gets its TLS context.
 */
function tcpChains(index: MeshIndex, scope: ProxyScope, s: BoundServer): XdsResource[] {
  const port = s.server.port.number;
  const chains: XdsResource[] = [];
  const passthrough = s.server.tls?.mode === 'PASSTHROUGH' || s.server.tls?.mode === 'AUTO_PASSTHROUGH';
  for (const { vs } of boundVirtualServices(index, scope, s)) {
    const ns = vs.metadata.namespace ?? 'default';
    if (passthrough) {
      for (const r of vs.spec.tls ?? []) {
        for (const m of r.match) {
          if (!l4Applies(m, port, scope.gateways, ns)) continue;
          chains.push({ filter_chain_match: { server_names: m.sniHosts }, filters: l4Filters(index, r.route ?? [], ns, port) });
        }
      }
      continue;
    }
    const tcp = (vs.spec.tcp ?? []).find((r) => !r.match?.length || r.match.some((m) => l4Applies(m, port, scope.gateways, ns)));
    if (tcp) {
      const chain: XdsResource = { filters: l4Filters(index, tcp.route ?? [], ns, port) };
      if (s.server.tls && !passthrough) chain['transport_socket'] = gatewayTlsSocket(s.server.tls, false);
      chains.push(chain);
      break;
    }
  }
  return chains;
}

/**
 * A gateway's listeners and route configurations (Istio 1.4's `buildGatewayListeners`): per port
 * of the selecting Gateways' servers, `0.0.0.0_<port>`; HTTP servers share one plaintext chain
 * using RDS `http.<port>`, each TLS-terminating HTTPS server gets a chain matching its hosts by SNI
 * with its own TLS context and RDS name; TCP and passthrough servers get TCP proxy chains.
 */
export function buildGatewayListenersAndRoutes(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'namespace' | 'labels'>): { listeners: XdsResource[]; routes: XdsResource[] } {
  const listeners: XdsResource[] = [];
  const routes = new Map<string, BoundServer[]>();
  for (const [port, servers] of serversByPort(scope.gatewayObjects)) {
    const chains: XdsResource[] = [];
    let sni = false;
    const plain = servers.filter((s) => isHttpServer(s) && !terminatesTlsToHttp(s));
    const rdsChain = (name: string): XdsResource[] => [
      httpConnectionManager({ statPrefix: `outbound_0.0.0.0_${port}`, useRemoteAddress: true, routes: { rds: { route_config_name: name, config_source: adsConfigSource() } } }),
    ];
    if (plain.length > 0) {
      const name = gatewayRouteName(plain[0]!);
      routes.set(name, [...(routes.get(name) ?? []), ...plain]);
      chains.push({ filters: rdsChain(name) });
    }
    for (const s of servers.filter(terminatesTlsToHttp)) {
      const name = gatewayRouteName(s);
      routes.set(name, [...(routes.get(name) ?? []), s]);
      const serverNames = s.server.hosts.map((h) => splitServerHost(h, s.gatewayNamespace).host).filter((h) => h !== '*');
      sni ||= serverNames.length > 0;
      chains.push({ ...(serverNames.length > 0 ? { filter_chain_match: { server_names: serverNames } } : {}), filters: rdsChain(name), transport_socket: gatewayTlsSocket(s.server.tls!, true) });
    }
    for (const s of servers.filter((x) => !isHttpServer(x))) {
      const tcp = tcpChains(index, scope, s);
      sni ||= tcp.some((c) => c['filter_chain_match'] !== undefined);
      chains.push(...tcp);
    }
    // Envoy rejects two chains with the same match; the first (oldest Gateway) wins, as in Istio.
    const seen = new Set<string>();
    const unique = chains.filter((c) => {
      const key = JSON.stringify(c['filter_chain_match'] ?? {});
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (unique.length === 0) continue;
    const listener: XdsResource = { name: `0.0.0.0_${port}`, address: socketAddress('0.0.0.0', port), filter_chains: unique };
    if (sni) listener['listener_filters'] = [tlsInspector()];
    listeners.push(listener);
  }
  const routeConfigs = [...routes.entries()].map(([name, servers]) => gatewayRouteConfiguration(index, scope, proxy, name, servers));
  return { listeners, routes: routeConfigs };
}
