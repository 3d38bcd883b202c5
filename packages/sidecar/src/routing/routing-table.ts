import { INBOUND_LISTENER } from '@mesh/shared-api';
import type { RandomSource, RoundRobin } from './load-balancing.js';
import { pickWeighted } from './load-balancing.js';
import type { RequestFacts } from './match.js';
import { matchRoute } from './match.js';
import type { ClusterModel, EndpointModel, HttpConnectionManagerModel, ListenerModel, ResourceSnapshot, RouteConfigurationModel } from './model.js';
import { VirtualHostIndex } from './virtual-hosts.js';

/** Envoy response flags the routing core can produce (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags). */
export type RoutingFailureFlag = 'NR' | 'NC' | 'UH';

/** Where a request goes, or the local reply Envoy would send instead. */
export type RouteDecision =
  | {
      readonly ok: true;
      readonly cluster: string;
      readonly endpoint: EndpointModel;
      /** Route timeout in ms (0 = none; undefined = the proxy's default). */
      readonly timeoutMs: number | undefined;
      readonly connectTimeoutMs: number;
      readonly routeConfig: string;
      readonly virtualHost: string;
      readonly route: string;
    }
  | { readonly ok: false; readonly status: 404 | 503; readonly flag: RoutingFailureFlag; readonly cluster?: string; readonly reason: string };

/** How the table picks among weighted clusters and endpoints. */
export interface Pickers {
  readonly random: RandomSource;
  readonly roundRobin: RoundRobin;
}

interface ResolvedHcm {
  readonly routeConfig: RouteConfigurationModel | undefined;
  readonly routeConfigName: string;
  readonly hosts: VirtualHostIndex;
}

interface ResolvedCluster {
  readonly model: ClusterModel;
  readonly endpoints: readonly EndpointModel[];
}

/**
 * An immutable routing table built from one accepted xDS snapshot. The proxy reads the current
 * table once per request; updates build a new table and swap it in, so a request in flight keeps
 * the table it started with.
 */
export class RoutingTable {
  private readonly outbound = new Map<number, ResolvedHcm>();
  private readonly inbound: Array<{ destinationPort?: number; hcm: ResolvedHcm }> = [];
  private readonly clusters = new Map<string, ResolvedCluster>();

  constructor(
    readonly snapshot: ResourceSnapshot,
    private readonly pickers: Pickers,
  ) {
    for (const [name, model] of snapshot.clusters) {
      const endpoints = model.type === 'STATIC' ? (model.loadAssignment?.endpoints ?? []) : (snapshot.endpoints.get(model.edsServiceName ?? name)?.endpoints ?? []);
      this.clusters.set(name, { model, endpoints });
    }
    for (const listener of snapshot.listeners.values()) {
      if (listener.name === INBOUND_LISTENER) {
        for (const chain of listener.filterChains) {
          if (chain.http) this.inbound.push({ destinationPort: chain.destinationPort, hcm: this.resolveHcm(chain.http) });
        }
        continue;
      }
      const chain = listener.filterChains.find((c) => c.http !== undefined);
      // Several listeners on one port (0.0.0.0_80 and 10.0.0.1_80): the wildcard address wins.
      if (chain?.http && (!this.outbound.has(listener.port) || isWildcard(listener))) this.outbound.set(listener.port, this.resolveHcm(chain.http));
    }
  }

  /** Names of every cluster in the table. */
  get clusterNames(): ReadonlySet<string> {
    return new Set(this.clusters.keys());
  }

  /** Every `address:port` some cluster may send to (for pruning upstream connection pools). */
  endpointKeys(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.clusters.values()) for (const e of c.endpoints) keys.add(endpointKey(e));
    return keys;
  }

  /** The endpoints of a cluster (undefined when the cluster is unknown). */
  endpointsOf(cluster: string): readonly EndpointModel[] | undefined {
    return this.clusters.get(cluster)?.endpoints;
  }

  /** Routes a request the local app sent out, by its destination port's listener. */
  routeOutbound(req: RequestFacts, destinationPort: number): RouteDecision {
    const hcm = this.outbound.get(destinationPort);
    if (!hcm) return { ok: false, status: 404, flag: 'NR', reason: `no listener for port ${destinationPort}` };
    return this.routeVia(hcm, req);
  }

  /** Routes a request that arrived on the inbound listener at `localPort` (the filter chain's destination port). */
  routeInbound(req: RequestFacts, localPort: number): RouteDecision {
    const chain = this.inbound.find((c) => c.destinationPort === localPort) ?? this.inbound.find((c) => c.destinationPort === undefined);
    if (!chain) return { ok: false, status: 404, flag: 'NR', reason: `no inbound filter chain for port ${localPort}` };
    return this.routeVia(chain.hcm, req);
  }

  private resolveHcm(http: HttpConnectionManagerModel): ResolvedHcm {
    const routeConfig = http.routes.kind === 'inline' ? http.routes.config : this.snapshot.routes.get(http.routes.name);
    const routeConfigName = http.routes.kind === 'inline' ? http.routes.config.name : http.routes.name;
    return { routeConfig, routeConfigName, hosts: new VirtualHostIndex(routeConfig?.virtualHosts ?? []) };
  }

  private routeVia(hcm: ResolvedHcm, req: RequestFacts): RouteDecision {
    if (!hcm.routeConfig) return { ok: false, status: 404, flag: 'NR', reason: `route configuration ${hcm.routeConfigName} not received yet` };
    const vh = hcm.hosts.find(req.authority);
    if (!vh) return { ok: false, status: 404, flag: 'NR', reason: `no virtual host for ${req.authority} in route configuration ${hcm.routeConfigName}` };
    const route = vh.routes.find((r) => matchRoute(r.match, req));
    if (!route) return { ok: false, status: 404, flag: 'NR', reason: `no route matches ${req.method} ${req.path} in virtual host ${vh.name}` };
    const clusterName = pickWeighted(route.action.clusters, route.action.totalWeight, this.pickers.random);
    const cluster = this.clusters.get(clusterName);
    if (!cluster) return { ok: false, status: 503, flag: 'NC', cluster: clusterName, reason: `cluster ${clusterName} not found` };
    const endpoint = this.pickers.roundRobin.pick(clusterName, cluster.endpoints);
    if (!endpoint) return { ok: false, status: 503, flag: 'UH', cluster: clusterName, reason: `cluster ${clusterName} has no healthy endpoints` };
    return {
      ok: true,
      cluster: clusterName,
      endpoint,
      timeoutMs: route.action.timeoutMs,
      connectTimeoutMs: cluster.model.connectTimeoutMs,
      routeConfig: hcm.routeConfigName,
      virtualHost: vh.name,
      route: route.name,
    };
  }
}

function isWildcard(l: ListenerModel): boolean {
  return l.address === '0.0.0.0' || l.address === '::';
}

/** `address:port` (IPv6 in brackets), the key of an upstream connection pool. */
export function endpointKey(e: EndpointModel): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/**
 * Splits an authority (`host`, `host:port`, `[v6]:port`) into host and port. The port is
 * undefined when absent or not a valid number.
 */
export function splitAuthority(authority: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return { host: authority, port: undefined };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  return { host: m[1]!, port: port !== undefined && port > 0 && port <= 65535 ? port : undefined };
}
