import { INBOUND_LISTENER } from '@mesh/shared-api';
import type { ClusterModel, EndpointModel } from './cluster-model.js';
import type { ClusterRuntime, ClusterRuntimes, PickContext } from './cluster-runtime.js';
import type { RandomSource } from './load-balancing.js';
import { pickWeighted } from './load-balancing.js';
import type { RequestFacts } from './match.js';
import { matchRoute } from './match.js';
import type { FilterChainModel, HttpConnectionManagerModel, ListenerModel, ResourceSnapshot } from './model.js';
import type { RoutePlan } from './route-plan.js';
import { planRoute } from './route-plan.js';
import type { RouteConfigurationModel, RouteModel, VirtualHostModel, WeightedClusterModel } from './route-model.js';
import { VirtualHostIndex } from './virtual-hosts.js';

export { endpointKey } from './cluster-runtime.js';

/** Envoy response flags the routing core can produce (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags). */
export type RoutingFailureFlag = 'NR' | 'NC' | 'UH';

/** A route the request matched, with the plan of what the filters and the router do for it. */
export interface MatchedRoute {
  readonly routeConfig: string;
  readonly virtualHost: VirtualHostModel;
  readonly route: RouteModel;
  readonly plan: RoutePlan;
  /** For a route action: the weighted cluster chosen for this request. */
  readonly target?: WeightedClusterModel;
}

/** The route for a request, or Envoy's 404 NR. */
export type MatchResult = { readonly ok: true; readonly matched: MatchedRoute } | { readonly ok: false; readonly status: 404; readonly flag: 'NR'; readonly reason: string };

/** A host of the cluster, or why there is none (503 NC / UH, or the route's cluster_not_found_response_code). */
export type PickResult =
  | { readonly ok: true; readonly endpoint: EndpointModel; readonly runtime: ClusterRuntime }
  | { readonly ok: false; readonly status: number; readonly flag: 'NC' | 'UH'; readonly cluster: string; readonly reason: string };

/** Where a request goes, or the local reply Envoy would send instead (match and pick in one step). */
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
  | { readonly ok: false; readonly status: number; readonly flag: RoutingFailureFlag; readonly cluster?: string; readonly reason: string };

/** What the table needs besides the snapshot: a random source and the clusters' live state. */
export interface Pickers {
  readonly random: RandomSource;
  readonly runtimes: ClusterRuntimes;
}

interface ResolvedHcm {
  readonly hcm: HttpConnectionManagerModel;
  readonly routeConfig: RouteConfigurationModel | undefined;
  readonly routeConfigName: string;
  readonly hosts: VirtualHostIndex;
  readonly plans: Map<RouteModel, RoutePlan>;
}

/**
 * An immutable routing table built from one accepted xDS snapshot. The proxy reads the current
 * table once per request; updates build a new table and swap it in, so a request in flight keeps
 * the table it started with. Building a table brings the clusters' live state
 * ({@link ClusterRuntimes}) in step with the snapshot.
 */
export class RoutingTable {
  private readonly outbound = new Map<number, ResolvedHcm>();
  private readonly inbound: Array<{ destinationPort?: number; hcm?: ResolvedHcm; chain: FilterChainModel }> = [];
  private readonly byListener = new Map<string, { listener: ListenerModel; hcms: Array<ResolvedHcm | undefined> }>();
  /** Listeners with chains by `address:port`, for the hand-off of redirected connections. */
  private readonly byAddress = new Map<string, ListenerModel>();
  private virtual: ListenerModel | undefined;
  private readonly clusters = new Map<string, { model: ClusterModel; endpoints: readonly EndpointModel[] }>();

  constructor(
    readonly snapshot: ResourceSnapshot,
    private readonly pickers: Pickers,
  ) {
    for (const [name, model] of snapshot.clusters) {
      const endpoints =
        model.type === 'STATIC' ? (model.loadAssignment?.endpoints ?? []) : model.type === 'EDS' ? (snapshot.endpoints.get(model.edsServiceName ?? name)?.endpoints ?? []) : [];
      this.clusters.set(name, { model, endpoints });
    }
    pickers.runtimes.sync(this.clusters);
    for (const listener of snapshot.listeners.values()) {
      const hcms = listener.filterChains.map((c) => (c.http ? this.resolveHcm(c.http) : undefined));
      this.byListener.set(listener.name, { listener, hcms });
      // The inbound listener has its own port: outbound traffic to a peer's 15006 is not inbound traffic.
      if (listener.filterChains.length > 0 && listener.name !== INBOUND_LISTENER) {
        const key = addressKey(listener.address, listener.port);
        if (!this.byAddress.has(key)) this.byAddress.set(key, listener);
        if (listener.useOriginalDst && !this.virtual) this.virtual = listener;
      }
      if (listener.name === INBOUND_LISTENER) {
        listener.filterChains.forEach((chain, i) => {
          if (chain.http || chain.tcp) this.inbound.push({ destinationPort: chain.destinationPort, chain, ...(hcms[i] ? { hcm: hcms[i] } : {}) });
        });
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

  /** Every cluster with its endpoints. */
  clusterEntries(): ReadonlyMap<string, { model: ClusterModel; endpoints: readonly EndpointModel[] }> {
    return this.clusters;
  }

  /** The endpoints of a cluster (undefined when the cluster is unknown). */
  endpointsOf(cluster: string): readonly EndpointModel[] | undefined {
    return this.clusters.get(cluster)?.endpoints;
  }

  /** The configuration of a cluster. */
  clusterModel(cluster: string): ClusterModel | undefined {
    return this.clusters.get(cluster)?.model;
  }

  /** Matches a request the local app sent out, by its destination port's listener. */
  matchOutbound(req: RequestFacts, destinationPort: number): MatchResult {
    const hcm = this.outbound.get(destinationPort);
    if (!hcm) return { ok: false, status: 404, flag: 'NR', reason: `no listener for port ${destinationPort}` };
    return this.matchVia(hcm, req);
  }

  /** Matches a request that arrived on the inbound listener at `localPort` (the filter chain's destination port). */
  matchInbound(req: RequestFacts, localPort: number): MatchResult {
    const chain = this.inboundChainFor(localPort);
    if (!chain?.hcm) return { ok: false, status: 404, flag: 'NR', reason: `no inbound filter chain for port ${localPort}` };
    return this.matchVia(chain.hcm, req);
  }

  /** The inbound listener's filter chain for a local port (HTTP or TCP), if any. */
  inboundChain(localPort: number): FilterChainModel | undefined {
    return this.inboundChainFor(localPort)?.chain;
  }

  private inboundChainFor(localPort: number) {
    return this.inbound.find((c) => c.destinationPort === localPort) ?? this.inbound.find((c) => c.destinationPort === undefined);
  }

  /** The listener that hands redirected connections off by their original destination (`use_original_dst`, Istio's virtualOutbound). */
  virtualOutbound(): ListenerModel | undefined {
    return this.virtual;
  }

  /**
   * The listener Envoy hands a redirected connection to: the one at exactly its original
   * destination `address:port`, else the wildcard (`0.0.0.0`, or `::` for IPv6) on that port.
   */
  listenerAt(address: string, port: number): ListenerModel | undefined {
    return this.byAddress.get(addressKey(address, port)) ?? this.byAddress.get(addressKey(address.includes(':') ? '::' : '0.0.0.0', port));
  }

  /** A listener by name. */
  listener(name: string): ListenerModel | undefined {
    return this.byListener.get(name)?.listener;
  }

  /** Matches a request on a given listener's filter chain (gateway listeners). */
  matchChain(listenerName: string, chainIndex: number, req: RequestFacts): MatchResult {
    const hcm = this.byListener.get(listenerName)?.hcms[chainIndex];
    if (!hcm) return { ok: false, status: 404, flag: 'NR', reason: `listener ${listenerName} has no HTTP filter chain ${chainIndex}` };
    return this.matchVia(hcm, req);
  }

  /** Picks a host of a cluster by its load balancer (NC when the cluster is unknown, UH when it has no host). */
  pick(cluster: string, ctx: PickContext = {}, notFoundStatus = 503): PickResult {
    const runtime = this.clusters.has(cluster) ? this.pickers.runtimes.get(cluster) : undefined;
    if (!runtime) return { ok: false, status: notFoundStatus, flag: 'NC', cluster, reason: `cluster ${cluster} not found` };
    const endpoint = runtime.pick(ctx);
    if (!endpoint) {
      const reason = runtime.model.type === 'ORIGINAL_DST' ? `cluster ${cluster} has no original destination for this connection (not redirected)` : `cluster ${cluster} has no healthy endpoints`;
      return { ok: false, status: 503, flag: 'UH', cluster, reason };
    }
    return { ok: true, endpoint, runtime };
  }

  /** Routes a request the local app sent out: match and pick in one step. */
  routeOutbound(req: RequestFacts, destinationPort: number): RouteDecision {
    return this.decide(this.matchOutbound(req, destinationPort));
  }

  /** Routes a request that arrived on the inbound listener: match and pick in one step. */
  routeInbound(req: RequestFacts, localPort: number): RouteDecision {
    return this.decide(this.matchInbound(req, localPort));
  }

  private decide(m: MatchResult): RouteDecision {
    if (!m.ok) return m;
    const { matched } = m;
    const action = matched.route.action;
    if (action.kind !== 'route' || !matched.target) return { ok: false, status: 404, flag: 'NR', reason: `route ${matched.route.name} does not forward` };
    const picked = this.pick(matched.target.name);
    if (!picked.ok) return picked;
    return {
      ok: true,
      cluster: matched.target.name,
      endpoint: picked.endpoint,
      timeoutMs: action.timeoutMs,
      connectTimeoutMs: picked.runtime.model.connectTimeoutMs,
      routeConfig: matched.routeConfig,
      virtualHost: matched.virtualHost.name,
      route: matched.route.name,
    };
  }

  private resolveHcm(http: HttpConnectionManagerModel): ResolvedHcm {
    const routeConfig = http.routes.kind === 'inline' ? http.routes.config : this.snapshot.routes.get(http.routes.name);
    const routeConfigName = http.routes.kind === 'inline' ? http.routes.config.name : http.routes.name;
    return { hcm: http, routeConfig, routeConfigName, hosts: new VirtualHostIndex(routeConfig?.virtualHosts ?? []), plans: new Map() };
  }

  private matchVia(hcm: ResolvedHcm, req: RequestFacts): MatchResult {
    const rc = hcm.routeConfig;
    if (!rc) return { ok: false, status: 404, flag: 'NR', reason: `route configuration ${hcm.routeConfigName} not received yet` };
    const vh = hcm.hosts.find(req.authority);
    if (!vh) return { ok: false, status: 404, flag: 'NR', reason: `no virtual host for ${req.authority} in route configuration ${hcm.routeConfigName}` };
    const random = this.pickers.random;
    const route = vh.routes.find((r) => matchRoute(r.match, req, random));
    if (!route) return { ok: false, status: 404, flag: 'NR', reason: `no route matches ${req.method} ${req.path} in virtual host ${vh.name}` };
    let plan = hcm.plans.get(route);
    if (!plan) {
      plan = planRoute(hcm.hcm, rc, vh, route);
      hcm.plans.set(route, plan);
    }
    const action = route.action;
    const target = action.kind === 'route' && action.clusters.length > 0 ? pickWeighted(action.clusters, action.totalWeight, random) : undefined;
    return { ok: true, matched: { routeConfig: hcm.routeConfigName, virtualHost: vh, route, plan, ...(target ? { target } : {}) } };
  }
}

function addressKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function isWildcard(l: ListenerModel): boolean {
  return l.address === '0.0.0.0' || l.address === '::';
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
