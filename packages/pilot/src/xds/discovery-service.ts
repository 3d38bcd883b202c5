import { parseWorkloadMetadata, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { PilotMetrics } from '../admin/pilot-metrics.js';
import type { ConfigStore } from '../model/config-store.js';
import { proxyFromMetadata } from '../model/proxy.js';
import type { ServiceRegistry } from '../registry/service-registry.js';
import type { WorkloadRegistry } from '../registry/workload-registry.js';
import { generateResources } from '../translate/generate.js';
import { buildMeshIndex } from '../translate/mesh-index.js';
import type { MeshIndex } from '../translate/mesh-index.js';
import { Debouncer } from './debouncer.js';
import type { DiscoveryRequest } from './discovery-request.js';
import { buildSnapshot } from './snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';
import type { ConnectResult, XdsStreamHooks } from './xds-stream.js';
import { XdsStream } from './xds-stream.js';

/** Options of {@link DiscoveryService}. */
export interface DiscoveryServiceOptions {
  config: ConfigStore;
  /** Every service source, merged. */
  registry: ServiceRegistry;
  /** Where connecting sidecars register their workload (also part of `registry`). */
  workloads: WorkloadRegistry;
  domainSuffix: string;
  debounceMs: number;
  debounceMaxMs: number;
  /** False until the config is loaded; nothing is sent before (a proxy must not get an empty mesh). */
  isSynced: () => boolean;
  logger: Logger;
  metrics: PilotMetrics;
}

/** One entry of `/debug/syncz`. */
export interface SyncStatus {
  proxyId: string;
  workload: { service: string; namespace: string; labels: Record<string, string> };
  connectedAt: string;
  types: Partial<Record<XdsResourceType, { sent: string | null; acked: string | null; nonce: string | null; lastNack?: { message: string; version: string; at: string } }>>;
}

/**
 * Pilot's discovery core (Istio's DiscoveryServer, minus gRPC): owns the streams' protocol state
 * and the snapshot cache; registers workloads as streams connect; on config or registry changes,
 * debounced, re-translates the mesh for every connected proxy and publishes the snapshots, which
 * the streams send.
 */
export class DiscoveryService {
  readonly cache = new SnapshotCache();
  private readonly streams = new Map<string, XdsStream>();
  private readonly debouncer: Debouncer;
  private readonly logger: Logger;
  private readonly offs: (() => void)[] = [];
  private streamCounter = 0;
  private lastSynced = false;

  constructor(private readonly opts: DiscoveryServiceOptions) {
    this.logger = opts.logger.child({ component: 'xds' });
    this.debouncer = new Debouncer(opts.debounceMs, opts.debounceMaxMs, (firstAt, count) => this.pushAll(firstAt, count));
    this.offs.push(opts.config.onChange(() => this.debouncer.trigger()));
    this.offs.push(opts.registry.onChange(() => this.debouncer.trigger()));
  }

  /** Opens the protocol state for a new stream; the transport passes in how to send and fail. */
  openStream(transport: Pick<XdsStreamHooks, 'send' | 'fail'>): XdsStream {
    const id = `stream-${++this.streamCounter}`;
    const hooks: XdsStreamHooks = { ...transport, connect: (stream, node) => this.connect(stream, node) };
    const stream = new XdsStream(id, hooks, this.cache, this.logger.child({ stream: id }), this.opts.metrics);
    this.streams.set(id, stream);
    this.opts.metrics.connected(1);
    return stream;
  }

  /** Forgets a stream: its workload leaves the registry (others get new EDS on the next push). Idempotent. */
  closeStream(stream: XdsStream): void {
    stream.close();
    if (!this.streams.delete(stream.id)) return;
    this.opts.metrics.connected(-1);
    this.cache.clear(stream.id);
    if (this.opts.workloads.unregister(stream.id)) this.logger.info({ proxy: stream.proxyId, stream: stream.id }, 'proxy disconnected; workload removed');
  }

  /** Call when the config source finishes its first load: answers the streams that waited for it. */
  configSynced(): void {
    this.debouncer.trigger();
  }

  /** Connected streams (that sent their first request). */
  connectedStreams(): XdsStream[] {
    return [...this.streams.values()].filter((s) => s.proxy !== undefined);
  }

  /** `/debug/syncz`: one entry per connected proxy. */
  syncStatus(): SyncStatus[] {
    return this.connectedStreams().map((s) => {
      const types: SyncStatus['types'] = {};
      for (const t of XDS_PUSH_ORDER) {
        const st = s.types.get(t);
        if (!st) continue;
        types[t] = {
          sent: st.sent?.version ?? null,
          acked: st.acked?.version ?? null,
          nonce: st.sent?.nonce ?? null,
          ...(st.lastNack ? { lastNack: { message: st.lastNack.message, version: st.lastNack.version, at: st.lastNack.at.toISOString() } } : {}),
        };
      }
      const p = s.proxy!;
      return { proxyId: p.id, workload: { service: p.serviceName, namespace: p.namespace, labels: { ...p.labels } }, connectedAt: s.connectedAt.toISOString(), types };
    });
  }

  /** Stops pushing and closes every stream's state (the transport ends the calls). */
  stop(): void {
    this.debouncer.stop();
    for (const off of this.offs.splice(0)) off();
    for (const s of [...this.streams.values()]) this.closeStream(s);
  }

  private connect(stream: XdsStream, node: NonNullable<DiscoveryRequest['node']>): ConnectResult {
    const meta = { ...node.metadata };
    // Istio's node id carries the namespace (`sidecar~ip~name.ns~ns.svc.cluster.local`); clients that
    // send no NAMESPACE (proxyless gRPC) are placed there, else in `default`.
    if (meta['NAMESPACE'] === undefined) meta['NAMESPACE'] = node.id.split('~')[3]?.split('.')[0] || 'default';
    const parsed = parseWorkloadMetadata(meta);
    if (!parsed.ok) {
      this.logger.warn({ node: node.id, reason: parsed.error }, 'proxy refused: invalid node metadata');
      return { ok: false, message: parsed.error };
    }
    const proxy = proxyFromMetadata(node.id || `${stream.id}`, parsed.value, this.opts.domainSuffix);
    this.logger.info({ proxy: proxy.id, stream: stream.id, service: proxy.serviceHostname, ip: proxy.ip, ports: proxy.ports.map((p) => p.port) }, 'proxy connected');
    // Registration first: its change notification schedules the (debounced) push of the new
    // endpoints to everyone else; this proxy's own snapshot is built now, so it is answered at once.
    stream.proxy = proxy;
    this.opts.workloads.register(stream.id, proxy);
    if (this.opts.isSynced()) this.publish(this.index(), stream, Date.now());
    return { ok: true, proxy };
  }

  private index(): MeshIndex {
    const { config, registry, domainSuffix } = this.opts;
    const services = registry.services();
    return buildMeshIndex({
      domainSuffix,
      services,
      endpoints: services.flatMap((s) => registry.endpoints(s.hostname)),
      virtualServices: config.virtualServices(),
      destinationRules: config.destinationRules(),
    });
  }

  private pushAll(changedAt: number, changes: number): void {
    if (!this.opts.isSynced()) return;
    if (!this.lastSynced) {
      this.lastSynced = true;
      this.logger.info('config synced: serving proxies');
    }
    const started = Date.now();
    const index = this.index();
    const streams = this.connectedStreams();
    for (const s of streams) this.publish(index, s, changedAt);
    this.logger.debug({ proxies: streams.length, changes, ms: Date.now() - started }, 'push');
  }

  private publish(index: MeshIndex, stream: XdsStream, changedAt: number): void {
    try {
      const snapshot = buildSnapshot(generateResources(index, stream.proxy!), changedAt);
      const r = this.cache.set(stream.id, snapshot);
      if (!r.ok) this.logger.error({ proxy: stream.proxyId, problems: r.problems }, 'inconsistent snapshot not published (a translation bug); proxy keeps its previous config');
    } catch (err) {
      this.logger.error({ err, proxy: stream.proxyId }, 'translation failed; proxy keeps its previous config');
    }
  }
}
