import { outboundClusterName, outboundRouteName } from '@mesh/shared-api';
import type { L4MatchAttributes, RouteDestination } from '../../model/networking-specs.js';
import type { Proxy } from '../../model/proxy.js';
import { isHttpProtocol, labelsMatch, serviceAddress } from '../../model/service.js';
import type { Service, ServicePort } from '../../model/service.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../cluster/clusters.js';
import { hostMatches } from '../host-match.js';
import type { MeshIndex } from '../mesh-index.js';
import { qualifyGateway } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { adsConfigSource, socketAddress } from '../resources.js';
import { destinationCluster } from '../route/action.js';
import type { ProxyScope } from '../scope.js';
import { httpConnectionManager, tcpProxy, tlsInspector } from './hcm.js';

/** Where a sidecar's outbound traffic arrives (Istio's `virtualOutbound`, captured by iptables). */
export const VIRTUAL_OUTBOUND_PORT = 15001;

/** One filter chain of an outbound TCP/TLS listener, before assembly. */
interface ChainOpts {
  sniHosts?: string[];
  cidrs: string[];
  filters: XdsResource[];
}

/** The ports that get an outbound HTTP listener: every HTTP port of a visible service, ascending. */
export function outboundHttpPorts(services: readonly Service[]): number[] {
  const ports = new Set<number>();
  for (const svc of services) for (const p of svc.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** `0.0.0.0_<port>`: the HTTP connection manager fetches RouteConfiguration `<port>` over RDS. */
export function outboundHttpListener(port: number): XdsResource {
  const name = `0.0.0.0_${port}`;
  return {
    name,
    address: socketAddress('0.0.0.0', port),
    filter_chains: [{ filters: [httpConnectionManager({ statPrefix: `outbound_${name}`, routes: { rds: { route_config_name: outboundRouteName(port), config_source: adsConfigSource() } } })] }],
    bind_to_port: { value: false },
  };
}

function cidrRange(cidr: string): XdsResource {
  const [address, len] = cidr.split('/');
  return { address_prefix: address, prefix_len: { value: len !== undefined ? Number(len) : address!.includes(':') ? 128 : 32 } };
}

/** Network filters sending a TCP or TLS route's destinations (Istio 1.4's `buildOutboundNetworkFilters`). */
function routeFilters(index: MeshIndex, route: readonly RouteDestination[], vsNs: string, port: number): XdsResource[] {
  const dests = route.filter((d) => (d.weight ?? 0) > 0 || route.length === 1);
  if (dests.length === 1) {
    const cluster = destinationCluster(index, dests[0]!.destination, vsNs, port);
    return [tcpProxy(cluster, { cluster })];
  }
  const weighted = dests.map((d) => ({ name: destinationCluster(index, d.destination, vsNs, port), weight: d.weight ?? 0 }));
  return [tcpProxy(weighted[0]?.name ?? '', { weighted })];
}

function l4Applies(m: L4MatchAttributes, port: number, proxy: Pick<Proxy, 'labels' | 'namespace'>, gateways: ReadonlySet<string>, vsNs: string): boolean {
  if (m.port !== undefined && m.port !== 0 && m.port !== port) return false;
  if (m.sourceNamespace && m.sourceNamespace !== proxy.namespace) return false;
  if (m.gateways && m.gateways.length > 0) return m.gateways.some((g) => gateways.has(qualifyGateway(g, vsNs)));
  return labelsMatch(m.sourceLabels, proxy.labels);
}

/**
 * The filter chains of a TCP or TLS service port (Istio 1.4's
 * `buildSidecarOutboundTCPTLSFilterChainOpts`): the first VirtualService naming the service
 * contributes its TLS routes (one chain per applicable SNI match) and TCP routes (a match without
 * destination subnets ends the list); a default chain to the service's cluster closes it unless a
 * route already covers the service address. TLS ports without a VIP match the service's host by SNI,
 * so several TLS services can share `0.0.0.0_<port>`.
 */
function tcpTlsChains(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'labels' | 'namespace'>, svc: Service, port: ServicePort): ChainOpts[] {
  const address = serviceAddress(svc);
  const serviceCidr = address === '0.0.0.0' ? [] : [address];
  const tls = port.protocol === 'TLS' || port.protocol === 'HTTPS';
  const out: ChainOpts[] = [];
  let defaultAdded = false;
  const vs = scope.virtualServices.find((v) => (v.spec.tcp?.length || v.spec.tls?.length) && (v.spec.hosts ?? []).some((h) => hostMatches(index.resolve(h, v.metadata.namespace ?? 'default'), svc.hostname)));
  if (vs) {
    const ns = vs.metadata.namespace ?? 'default';
    for (const r of vs.spec.tls ?? []) {
      for (const m of r.match) {
        if (!l4Applies(m, port.port, proxy, scope.gateways, ns)) continue;
        out.push({ sniHosts: m.sniHosts, cidrs: m.destinationSubnets && m.destinationSubnets.length > 0 ? m.destinationSubnets : serviceCidr, filters: routeFilters(index, r.route ?? [], ns, port.port) });
      }
    }
    tcp: for (const r of vs.spec.tcp ?? []) {
      if (!r.match || r.match.length === 0) {
        out.push({ cidrs: serviceCidr, filters: routeFilters(index, r.route ?? [], ns, port.port) });
        defaultAdded = true;
        break;
      }
      const subnets: string[] = [];
      for (const m of r.match) {
        if (!l4Applies(m, port.port, proxy, scope.gateways, ns)) continue;
        if (!m.destinationSubnets || m.destinationSubnets.length === 0) {
          out.push({ cidrs: serviceCidr, filters: routeFilters(index, r.route ?? [], ns, port.port) });
          defaultAdded = true;
          break tcp;
        }
        subnets.push(...m.destinationSubnets);
      }
      if (subnets.length > 0) {
        out.push({ cidrs: subnets, filters: routeFilters(index, r.route ?? [], ns, port.port) });
        if (serviceCidr.some((c) => subnets.includes(c) || subnets.includes(`${c}/32`))) defaultAdded = true;
      }
    }
  }
  if (!defaultAdded) {
    const cluster = outboundClusterName(svc.hostname, port.port);
    const sni = tls && serviceCidr.length === 0 && !svc.hostname.startsWith('*') ? [svc.hostname] : undefined;
    out.push({ ...(sni ? { sniHosts: sni } : {}), cidrs: serviceCidr, filters: [tcpProxy(cluster, { cluster })] });
  }
  return out;
}

function chainMatchKey(c: ChainOpts): string {
  return JSON.stringify([c.sniHosts ?? [], c.cidrs]);
}

function filterChain(c: ChainOpts): XdsResource {
  const match: XdsResource = {};
  if (c.cidrs.length > 0) match['prefix_ranges'] = c.cidrs.map(cidrRange);
  if (c.sniHosts && c.sniHosts.length > 0) match['server_names'] = c.sniHosts;
  return Object.keys(match).length > 0 ? { filter_chain_match: match, filters: c.filters } : { filters: c.filters };
}

/**
 * A sidecar's outbound listeners (Istio 1.4's `buildSidecarOutboundListeners`): `0.0.0.0_<port>` per
 * HTTP port with RDS, `<address>_<port>` per TCP/TLS service port (address = VIP or 0.0.0.0) with TCP
 * proxy chains; a TCP service without VIP on an HTTP port loses to the HTTP listener, and of two
 * chains with the same match the first is kept, as in Istio. Then `virtualOutbound` when a
 * catch-all is configured.
 */
export function buildOutboundListeners(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'labels' | 'namespace'>): XdsResource[] {
  const httpPorts = outboundHttpPorts(scope.services);
  const listeners: XdsResource[] = httpPorts.map(outboundHttpListener);
  const tcp = new Map<string, { address: string; port: number; chains: ChainOpts[]; keys: Set<string> }>();
  for (const svc of scope.services) {
    for (const port of svc.ports) {
      if (isHttpProtocol(port.protocol) || port.protocol === 'UDP') continue;
      if (svc.resolution === 'Passthrough' && serviceAddress(svc) === '0.0.0.0' && port.protocol === 'TCP') continue;
      const address = serviceAddress(svc);
      if (address === '0.0.0.0' && httpPorts.includes(port.port)) continue;
      const name = `${address}_${port.port}`;
      let l = tcp.get(name);
      if (!l) tcp.set(name, (l = { address, port: port.port, chains: [], keys: new Set() }));
      for (const c of tcpTlsChains(index, scope, proxy, svc, port)) {
        const key = chainMatchKey(c);
        if (l.keys.has(key)) continue;
        l.keys.add(key);
        l.chains.push(c);
      }
    }
  }
  for (const [name, l] of [...tcp.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const listener: XdsResource = { name, address: socketAddress(l.address, l.port), filter_chains: l.chains.map(filterChain), bind_to_port: { value: false } };
    if (l.chains.some((c) => c.sniHosts && c.sniHosts.length > 0)) listener['listener_filters'] = [tlsInspector()];
    listeners.push(listener);
  }
  const catchAll = scope.outboundTrafficPolicy === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : scope.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : undefined;
  if (catchAll) {
    listeners.push({
      name: 'virtualOutbound',
      address: socketAddress('0.0.0.0', VIRTUAL_OUTBOUND_PORT),
      filter_chains: [{ filters: [tcpProxy(catchAll, { cluster: catchAll })] }],
      use_original_dst: { value: true },
    });
  }
  return listeners;
}
