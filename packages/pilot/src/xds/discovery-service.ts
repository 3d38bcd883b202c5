import { parseWorkloadMetadata, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { PilotMetrics } from '../admin/pilot-metrics.js';
import type { ConfigChange, ConfigStore } from '../model/config-store.js';
import { PILOT_KINDS, REGISTRY_KINDS } from '../model/kinds.js';
import type { PilotKind } from '../model/kinds.js';
import type { MeshSettings } from '../model/mesh-settings.js';
import { proxyFromMetadata, proxyTypeOf } from '../model/proxy.js';
import type { RegistryChange, ServiceRegistry } from '../registry/service-registry.js';
import type { WorkloadRegistry } from '../registry/workload-registry.js';
import { buildMeshIndex } from '../translate/mesh-index.js';
import type { ConfigLists, MeshIndex } from '../translate/mesh-index.js';
import { Debouncer } from './debouncer.js';
import type { DiscoveryRequest } from './discovery-request.js';
import { PartStore, RECORDED_KINDS } from './part-store.js';
import { PushGenerator } from './push-generator.js';
import type { ProxySnapshot, SharedPart } from './push-generator.js';
import { PushQueue } from './push-queue.js';
import { EncodeCache } from './snapshot.js';
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
  mesh: MeshSettings;
  debounceMs: number;
  debounceMaxMs: number;
  /** Pushes to proxies running at once (Istio's PILOT_PUSH_THROTTLE); default 100. */
  pushConcurrency?: number;
  /** False until the config is loaded; nothing is sent before (a proxy must not get an empty mesh). */
  isSynced: () => boolean;
  logger: Logger;
  metrics: PilotMetrics;
  /** JSON Web Key Sets fetched for `jwksUri`s, inlined into jwt_authn (see security/jwks-resolver.ts). */
  jwks?: () => ReadonlyMap<string, string>;
}

/** One entry of `/debug/syncz`. */
export interface SyncStatus {
  proxyId: string;
  workload: { service: string; namespace: string; labels: Record<string, string> };
  connectedAt: string;
  types: Partial<Record<XdsResourceType, { sent: string | null; acked: string | null; nonce: string | null; lastNack?: { message: string; version: string; at: string } }>>;
}

/** What the changes of one debounce window require. */
interface PendingPush {
  /** Anything but endpoints changed: translate everything. */
  full: boolean;
  /** Hosts whose endpoints changed. */
  edsHosts: Set<string>;
  /** Services changed, or config kinds other than those listed in `kinds` (a proxy's own resources may differ). */
  all: boolean;
  /** The config kinds that changed. */
  kinds: Set<PilotKind>;
}

/** Config kinds a sidecar's own (inbound) resources depend on, besides the proxy itself. */
const INBOUND_KINDS: readonly PilotKind[] = [
  'PeerAuthentication',
  'RequestAuthentication',
  'AuthorizationPolicy',
  'Policy',
  'MeshPolicy',
  'DestinationRule',
  'ServiceRole',
  'ServiceRoleBinding',
  'RbacConfig',
  'ClusterRbacConfig',
];

const noPending = (): PendingPush => ({ full: false, edsHosts: new Set(), all: false, kinds: new Set() });

/**
 * Pilot's discovery core (Istio's DiscoveryServer, minus gRPC): owns the streams' protocol state
 * and the snapshot cache; registers workloads as streams connect; on config or registry changes,
 * debounced, translates the mesh once per scope and queues a push to every connected proxy. A
 * window that changed only endpoints (Istio's incremental EDS) keeps each proxy's clusters,
 * listeners and routes and recomputes its load assignments only, so only EDS is sent.
 */
export class DiscoveryService {
  readonly cache = new SnapshotCache();
  readonly queue: PushQueue;
  private readonly streams = new Map<string, XdsStream>();
  private readonly proxySnapshots = new Map<string, ProxySnapshot & { inboundEpoch: number }>();
  /** Streams whose queued push is a full one. */
  private readonly fullQueued = new Set<string>();
  /** Incremented by every push that may change proxies' own (inbound) resources. */
  private inboundEpoch = 0;
  private readonly debouncer: Debouncer;
  private readonly logger: Logger;
  private readonly offs: (() => void)[] = [];
  private pending: PendingPush = noPending();
  private streamCounter = 0;
  private lastSynced = false;
  private generator: PushGenerator | undefined;
  private readonly encodings = new EncodeCache();
  private readonly parts = new PartStore<SharedPart>();

  constructor(private readonly opts: DiscoveryServiceOptions) {
    this.logger = opts.logger.child({ component: 'xds' });
    this.queue = new PushQueue(opts.pushConcurrency ?? 100, (id, err) => this.logger.error({ err, stream: id }, 'push failed'));
    opts.metrics.observeQueueDepth(() => this.queue.depth);
    this.debouncer = new Debouncer(opts.debounceMs, opts.debounceMaxMs, (firstAt, count) => this.pushAll(firstAt, count));
    this.offs.push(opts.config.onChange((c) => this.onConfigChange(c)));
    this.offs.push(opts.registry.onChange((c) => this.onRegistryChange(c)));
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
    this.queue.remove(stream.id);
    this.fullQueued.delete(stream.id);
    this.cache.clear(stream.id);
    this.proxySnapshots.delete(stream.id);
    if (this.opts.workloads.unregister(stream.id)) this.logger.info({ proxy: stream.proxyId, stream: stream.id }, 'proxy disconnected; workload removed');
  }

  /** Call when the config source finishes its first load: answers the streams that waited for it. */
  configSynced(): void {
    this.pending.full = true;
    this.pending.all = true;
    this.debouncer.trigger();
  }

  /** Call when a fetched JWKS changed: sidecars' inbound listeners (jwt_authn) are translated again. */
  jwksChanged(): void {
    this.pending.full = true;
    this.pending.kinds.add('RequestAuthentication');
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
    this.queue.stop();
    for (const off of this.offs.splice(0)) off();
    for (const s of [...this.streams.values()]) this.closeStream(s);
  }

  private onConfigChange(c: ConfigChange): void {
    // ServiceEntry and WorkloadEntry changes reach us through the registry that follows them.
    if (c.kinds.length > 0 && c.kinds.every((k) => REGISTRY_KINDS.includes(k))) return;
    this.pending.full = true;
    c.kinds.forEach((k) => this.pending.kinds.add(k));
    if (c.kinds.length === 0) this.pending.all = true;
    this.debouncer.trigger();
  }

  private onRegistryChange(c: RegistryChange): void {
    if (c.endpointsOnly) c.hostnames.forEach((h) => this.pending.edsHosts.add(h));
    else {
      this.pending.full = true;
      this.pending.all = true;
    }
    this.debouncer.trigger();
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
    const proxy = proxyFromMetadata(node.id || `${stream.id}`, parsed.value, this.opts.mesh.domainSuffix, proxyTypeOf(node.id, node.userAgent));
    this.logger.info({ proxy: proxy.id, type: proxy.type, stream: stream.id, service: proxy.serviceHostname, ip: proxy.ip, ports: proxy.ports.map((p) => p.port) }, 'proxy connected');
    // Registration first: its change notification schedules the (debounced) push of the new
    // endpoints to everyone else; this proxy's own snapshot is built now, so it is answered at once.
    stream.proxy = proxy;
    this.opts.workloads.register(stream.id, proxy);
    if (this.opts.isSynced()) this.publish(this.currentGenerator(), stream, Date.now(), true);
    return { ok: true, proxy };
  }

  private index(): MeshIndex {
    const { config, registry, mesh } = this.opts;
    const services = registry.services();
    const configs: Record<string, unknown> = {};
    for (const k of PILOT_KINDS) configs[k.kind] = config.list(k.kind);
    const jwks = this.opts.jwks?.();
    return buildMeshIndex({ settings: mesh, services, endpoints: services.flatMap((s) => registry.endpoints(s.hostname)), configs: configs as ConfigLists, ...(jwks ? { jwks } : {}) });
  }

  /**
   * The generator of the latest push, for a proxy connecting between pushes (as Istio answers a new
   * proxy from the last PushContext): what changed since reaches it with the pending push, and a
   * connection storm translates each scope once instead of the mesh once per proxy.
   */
  private currentGenerator(): PushGenerator {
    this.generator ??= new PushGenerator(this.index(), this.encodings, this.parts);
    return this.generator;
  }

  private pushAll(changedAt: number, changes: number): void {
    if (!this.opts.isSynced()) return;
    if (!this.lastSynced) {
      this.lastSynced = true;
      this.pending.full = true;
      this.pending.all = true;
      this.logger.info('config synced: serving proxies');
    }
    const { full, edsHosts, all, kinds } = this.pending;
    this.pending = noPending();
    if (!full && edsHosts.size === 0) return;
    const started = Date.now();
    this.encodings.rotate(full ? XDS_PUSH_ORDER : ['ClusterLoadAssignment']);
    // Scopes are kept across pushes while what changed is recorded in their inputs (routing
    // config, endpoints); anything else (services, Sidecars, policies, ...) translates every scope.
    if (full && (all || [...kinds].some((k) => !RECORDED_KINDS.has(k)))) this.parts.clear();
    const { hits, misses } = this.parts;
    const generator = new PushGenerator(this.index(), this.encodings, this.parts);
    this.generator = generator;
    // A proxy whose shared part came out as what it has, and whose own resources depend on nothing
    // that changed, keeps its snapshot: translating it again would send nothing.
    const inboundMayChange = all || INBOUND_KINDS.some((k) => kinds.has(k));
    if (full && inboundMayChange) this.inboundEpoch++;
    const changed: XdsStream[] = [];
    const inUse = new Set<string>();
    let unchanged = 0;
    for (const s of this.connectedStreams()) {
      const previous = this.proxySnapshots.get(s.id);
      if (full) {
        const key = generator.scopeKey(s.proxy!);
        inUse.add(key);
        // A proxy with a push still queued gets this one instead: what it has may be older than `previous`.
        if (previous && !inboundMayChange && !this.queue.has(s.id) && generator.sameAs(s.proxy!, previous, key)) {
          unchanged++;
          continue;
        }
      }
      changed.push(s);
    }
    // Scopes no connected proxy has any more are forgotten (a full push knows every proxy's scope).
    if (full) this.parts.retainOnly(inUse);
    for (const s of changed) {
      // This task replaces a queued one: an EDS-only push must not drop a full one still waiting.
      const fullForIt = full || this.fullQueued.has(s.id);
      if (fullForIt) this.fullQueued.add(s.id);
      this.queue.enqueue(s.id, async () => {
        this.fullQueued.delete(s.id);
        if (s.isClosed) return;
        this.publish(generator, s, changedAt, fullForIt);
        await s.flush();
      });
    }
    const reused = this.parts.hits - hits;
    const translated = this.parts.misses - misses;
    this.logger.debug({ proxies: changed.length, unchanged, scopes: generator.scopes, reused, translated, changes, full, edsHosts: edsHosts.size, ms: Date.now() - started }, 'push queued');
  }

  private publish(generator: PushGenerator, stream: XdsStream, changedAt: number, full: boolean): void {
    try {
      const previous = this.proxySnapshots.get(stream.id);
      // Its own part is kept unless a push since it was built may have changed it.
      const sameInbound = previous?.inboundEpoch === this.inboundEpoch;
      const built = !full && previous ? generator.edsSnapshot(previous, changedAt) : generator.snapshot(stream.proxy!, changedAt, previous, sameInbound);
      const next = { ...built, inboundEpoch: previous && !full ? previous.inboundEpoch : this.inboundEpoch };
      const r = this.cache.set(stream.id, next.snapshot);
      if (!r.ok) {
        this.logger.error({ proxy: stream.proxyId, problems: r.problems }, 'inconsistent snapshot not published (a translation bug); proxy keeps its previous config');
        return;
      }
      this.proxySnapshots.set(stream.id, next);
    } catch (err) {
      this.logger.error({ err, proxy: stream.proxyId }, 'translation failed; proxy keeps its previous config');
    }
  }
}
