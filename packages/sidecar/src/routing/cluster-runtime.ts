import { isIP } from 'node:net';
import type { ClusterModel, EndpointModel, OriginalDstModel } from './cluster-model.js';
import { Maglev, RingHash } from './hash-lb.js';
import type { RandomSource } from './load-balancing.js';
import type { EjectionType, HostOutcome } from './outlier-detector.js';
import { OutlierDetector } from './outlier-detector.js';

/** `address:port` (IPv6 in brackets), the key of an upstream host. */
export function endpointKey(e: EndpointModel): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** How a request asks for a host: its consistent-hash key, and hosts a retry should avoid. */
export interface PickContext {
  readonly hash?: number;
  readonly exclude?: ReadonlySet<string>;
  /** How many times to pick again while the pick is excluded (`host_selection_retry_max_attempts`). */
  readonly maxAttempts?: number;
  /** What an ORIGINAL_DST cluster picks from (ignored by other clusters). */
  readonly original?: OriginalPick;
}

/** The connection's original destination (only when it was redirected) and, for HTTP, a request header lookup. */
export interface OriginalPick {
  readonly destination?: { readonly address: string; readonly port: number };
  readonly header?: (name: string) => string | undefined;
}

/**
 * The host of an ORIGINAL_DST cluster for one connection or request, as Envoy's original destination
 * load balancer chooses it: with `use_http_header`, the header's `IP:port` when present (a value that
 * is not an IP literal with a port gives no host); else the original destination of a redirected
 * connection; a connection that was not redirected has none (503 UH). `upstream_port_override` replaces the port.
 */
export function originalDestinationHost(cfg: OriginalDstModel | undefined, original: OriginalPick | undefined): EndpointModel | undefined {
  let host: { address: string; port: number } | undefined;
  const header = cfg?.useHttpHeader ? original?.header?.(cfg.httpHeaderName) : undefined;
  if (header !== undefined) {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(header.trim());
    const address = m ? (m[1] ?? m[2])! : '';
    const port = m ? Number(m[3]) : 0;
    if (!m || isIP(address) === 0 || port < 1 || port > 65535 || (m[2] !== undefined && isIP(address) === 6)) return undefined;
    host = { address, port };
  } else host = original?.destination;
  if (!host) return undefined;
  return { address: host.address, port: cfg?.portOverride ?? host.port };
}

/**
 * The live state of one cluster that outlives routing-table swaps: its endpoints, load-balancer
 * position, requests in flight per host (LEAST_REQUEST) and outlier detection. Pure: the clock and
 * the random source are injected.
 */
export class ClusterRuntime {
  private endpointList: readonly EndpointModel[] = [];
  private rr = 0;
  private readonly active = new Map<string, number>();
  private outlier: OutlierDetector | undefined;
  private hashLb: { hosts: readonly EndpointModel[]; lb: RingHash | Maglev } | undefined;
  private fingerprint = '';

  constructor(
    private clusterModel: ClusterModel,
    endpoints: readonly EndpointModel[],
    private readonly now: () => number,
    private readonly random: RandomSource,
    private readonly onEject: (cluster: string, host: string, type: EjectionType) => void,
  ) {
    this.update(clusterModel, endpoints);
  }

  /** The cluster's configuration. */
  get model(): ClusterModel {
    return this.clusterModel;
  }

  /** All endpoints, healthy or not. */
  get endpoints(): readonly EndpointModel[] {
    return this.endpointList;
  }

  /**
   * Applies a new configuration and endpoint list. An endpoint (EDS) update keeps the state of the
   * hosts that stay; a changed cluster configuration starts afresh, as Envoy replaces a cluster
   * whose CDS definition changed.
   */
  update(model: ClusterModel, endpoints: readonly EndpointModel[]): void {
    const fingerprint = JSON.stringify(model);
    const changed = fingerprint !== this.fingerprint;
    this.fingerprint = fingerprint;
    if (changed || endpoints !== this.endpointList) this.hashLb = undefined;
    this.clusterModel = model;
    this.endpointList = endpoints;
    const od = model.outlierDetection;
    if (!od) this.outlier = undefined;
    else if (!this.outlier || changed) this.outlier = new OutlierDetector(od, this.now, this.random, (host, type) => this.onEject(model.name, host, type));
    this.outlier?.setHosts(endpoints.map(endpointKey));
  }

  /** Hosts ejected by outlier detection right now. */
  get ejectionsActive(): number {
    return this.outlier?.ejectionsActive ?? 0;
  }

  /**
   * The hosts load balancing chooses from: those not ejected, unless fewer than the panic
   * threshold are healthy, in which case Envoy balances over all of them
   * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold).
   */
  candidates(): readonly EndpointModel[] {
    const all = this.endpointList;
    const od = this.outlier;
    if (!od || all.length === 0) return all;
    const healthy = all.filter((e) => !od.isEjected(endpointKey(e)));
    if (healthy.length === all.length) return all;
    const panic = this.clusterModel.panicThresholdPercent ?? 50;
    return (100 * healthy.length) / all.length < panic ? all : healthy;
  }

  /** Picks a host by the cluster's `lb_policy`; undefined when there is none to pick. */
  pick(ctx: PickContext = {}): EndpointModel | undefined {
    if (this.clusterModel.type === 'ORIGINAL_DST') return originalDestinationHost(this.clusterModel.originalDst, ctx.original);
    const hosts = this.candidates();
    if (hosts.length === 0) return undefined;
    const attempts = ctx.exclude && ctx.exclude.size > 0 ? Math.max(1, ctx.maxAttempts ?? 1) : 1;
    let chosen: EndpointModel | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      chosen = this.pickOnce(hosts, ctx.hash, attempt);
      if (!chosen || !ctx.exclude?.has(endpointKey(chosen))) break;
    }
    return chosen;
  }

  private pickOnce(hosts: readonly EndpointModel[], hash: number | undefined, attempt: number): EndpointModel | undefined {
    switch (this.clusterModel.lbPolicy ?? 'ROUND_ROBIN') {
      case 'RANDOM':
        return hosts[Math.floor(this.random() * hosts.length)];
      case 'LEAST_REQUEST':
        return this.leastRequest(hosts);
      case 'RING_HASH':
      case 'MAGLEV':
        // Without a hash (no policy, or nothing to hash) Envoy picks a random host.
        if (hash === undefined) return hosts[Math.floor(this.random() * hosts.length)];
        return this.hashBalancer(hosts).pick(hash, attempt);
      default:
        return hosts[this.rr++ % hosts.length];
    }
  }

  /** Power of `choice_count` random choices: the one with the fewest requests in flight. */
  private leastRequest(hosts: readonly EndpointModel[]): EndpointModel {
    const n = this.clusterModel.choiceCount ?? 2;
    let best = hosts[Math.floor(this.random() * hosts.length)]!;
    let bestActive = this.active.get(endpointKey(best)) ?? 0;
    for (let i = 1; i < n; i++) {
      const h = hosts[Math.floor(this.random() * hosts.length)]!;
      const a = this.active.get(endpointKey(h)) ?? 0;
      if (a < bestActive) {
        best = h;
        bestActive = a;
      }
    }
    return best;
  }

  private hashBalancer(hosts: readonly EndpointModel[]): RingHash | Maglev {
    if (this.hashLb && sameHosts(this.hashLb.hosts, hosts)) return this.hashLb.lb;
    const m = this.clusterModel;
    const lb = m.lbPolicy === 'MAGLEV' ? new Maglev(hosts, m.maglevTableSize ?? 65537) : new RingHash(hosts, m.ringSize?.min ?? 1024, m.ringSize?.max ?? 8 * 1024 * 1024);
    this.hashLb = { hosts, lb };
    return lb;
  }

  /** A request to the host started (LEAST_REQUEST counts these). */
  begin(key: string): void {
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
  }

  /** A request to the host ended. */
  end(key: string): void {
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }

  /** Feeds outlier detection with one attempt's outcome. */
  report(key: string, outcome: HostOutcome): void {
    this.outlier?.report(key, outcome);
  }
}

function sameHosts(a: readonly EndpointModel[], b: readonly EndpointModel[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

/** Every cluster's {@link ClusterRuntime}, kept in step with the accepted CDS/EDS. */
export class ClusterRuntimes {
  private readonly byName = new Map<string, ClusterRuntime>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: RandomSource = Math.random,
    private readonly onEject: (cluster: string, host: string, type: EjectionType) => void = () => undefined,
  ) {}

  /** Creates, updates and drops runtimes so there is one per cluster given. */
  sync(clusters: ReadonlyMap<string, { model: ClusterModel; endpoints: readonly EndpointModel[] }>): void {
    for (const [name, c] of clusters) {
      const rt = this.byName.get(name);
      if (rt) rt.update(c.model, c.endpoints);
      else this.byName.set(name, new ClusterRuntime(c.model, c.endpoints, this.now, this.random, this.onEject));
    }
    for (const name of [...this.byName.keys()]) if (!clusters.has(name)) this.byName.delete(name);
  }

  /** The runtime of a cluster, if it exists. */
  get(name: string): ClusterRuntime | undefined {
    return this.byName.get(name);
  }

  /** Every runtime (for stats). */
  all(): IterableIterator<ClusterRuntime> {
    return this.byName.values();
  }
}
