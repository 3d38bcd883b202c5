import { resourceTypeOf, TypeUrls, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { PilotMetrics } from '../admin/pilot-metrics.js';
import type { Proxy } from '../model/proxy.js';
import { decideRequest } from './ack-decision.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-request.js';
import type { SnapshotCache } from './snapshot-cache.js';

/** Types whose responses may hold only the resources that changed (the client names what it wants). */
const INCREMENTAL_TYPES: ReadonlySet<XdsResourceType> = new Set(['ClusterLoadAssignment', 'RouteConfiguration']);

/** What one stream knows about one resource type. */
export interface TypeStreamState {
  /** The client asked for this type on this stream (only subscribed types are sent). */
  subscribed: boolean;
  /** Requested resource names; empty means all (wildcard). */
  names: string[];
  sent?: { version: string; nonce: string; at: Date; changedAt: number; acked: boolean };
  /** EDS and RDS: the hash of each resource as last sent (only changed ones are sent again). */
  sentHashes: Map<string, string>;
  /** A version found to hold nothing new for this client (nothing was sent for it). */
  skipped?: string;
  acked?: { version: string; at: Date };
  lastNack?: { message: string; version: string; at: Date; nonce: string };
  /** Send on the next flush even if the version did not change (a (re)subscription). */
  force: boolean;
}

/** The stream's view of who is connected: set up on the first request. */
export type ConnectResult = { ok: true; proxy: Proxy } | { ok: false; message: string };

/** What a stream needs from the discovery service and the transport. */
export interface XdsStreamHooks {
  /** Writes one response to the client; a promise resolves once the transport took it. */
  send(response: DiscoveryResponse): void | Promise<void>;
  /** Ends the stream with INVALID_ARGUMENT. */
  fail(message: string): void;
  /** Called with the first request's node: registers the workload and builds its first snapshot. */
  connect(stream: XdsStream, node: NonNullable<DiscoveryRequest['node']>): ConnectResult;
}

/**
 * One ADS stream's protocol state (no gRPC here): per-type subscription, what was sent, acked and
 * rejected; applies {@link decideRequest} to each request and sends the proxy's current snapshot
 * in XDS_PUSH_ORDER when a subscribed type's version differs from what was last sent.
 */
export class XdsStream {
  readonly connectedAt = new Date();
  readonly types = new Map<XdsResourceType, TypeStreamState>();
  proxy: Proxy | undefined;
  private nonceCounter = 0;
  private flushScheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private unwatch: (() => void) | undefined;

  constructor(
    /** Unique per stream (the snapshot cache and registry key). */
    readonly id: string,
    private readonly hooks: XdsStreamHooks,
    private readonly cache: SnapshotCache,
    private readonly logger: Logger,
    private readonly metrics: PilotMetrics,
  ) {}

  /** The proxy's node id ('' before the first request). */
  get proxyId(): string {
    return this.proxy?.id ?? '';
  }

  /** Handles one request of the client. */
  handleRequest(req: DiscoveryRequest): void {
    if (this.closed) return;
    if (!this.proxy) {
      // `node` is required on the first request of a stream and may be omitted afterwards.
      if (!req.node) return this.hooks.fail('the first DiscoveryRequest of a stream must carry node');
      const r = this.hooks.connect(this, req.node);
      if (!r.ok) return this.hooks.fail(r.message);
      this.proxy = r.proxy;
      this.unwatch = this.cache.watch(this.id, () => this.scheduleFlush());
    }
    const type = resourceTypeOf(req.typeUrl);
    if (!type) {
      this.logger.debug({ typeUrl: req.typeUrl }, 'request for a type Pilot does not serve; ignored');
      return;
    }
    const st = this.typeState(type);
    const d = decideRequest(req, st.sent, st.names);
    switch (d.kind) {
      case 'subscribe':
        st.subscribed = true;
        st.names = [...req.resourceNames];
        st.force = true;
        break;
      case 'stale':
        this.logger.debug({ type, nonce: d.nonce, latest: d.latestNonce }, 'stale nonce; request ignored');
        return;
      case 'ack':
        st.acked = { version: d.version, at: new Date() };
        if (st.sent && !st.sent.acked) {
          st.sent.acked = true;
          this.metrics.converged(type, Math.max(0, Date.now() - st.sent.changedAt) / 1000);
        }
        if (d.resend) {
          st.names = [...req.resourceNames];
          st.force = true;
        }
        break;
      case 'nack':
        // The client kept its previous resources: what we think it has is unknown, resend in full.
        st.sentHashes.clear();
        if (st.lastNack?.nonce !== req.responseNonce) {
          st.lastNack = { message: d.message, version: d.rejectedVersion, at: new Date(), nonce: req.responseNonce };
          this.metrics.rejected(type);
          this.logger.warn({ proxy: this.proxyId, type, version: d.rejectedVersion, kept: d.keptVersion, reason: d.message }, 'proxy rejected config (NACK)');
        }
        break;
    }
    this.scheduleFlush();
  }

  /**
   * Sends on the next turn of the event loop, so that requests arriving together (a client
   * subscribing to all types at once) are answered in push order: CDS, EDS, LDS, RDS.
   */
  scheduleFlush(): void {
    if (this.closed || this.flushScheduled) return;
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = undefined;
      this.flush().catch((err: unknown) => this.logger.warn({ err, proxy: this.proxyId }, 'failed to send a response'));
    });
  }

  /**
   * Sends every subscribed type whose snapshot version differs from the last one sent (or is
   * forced), in push order; resolves when the transport took the responses. CDS and LDS responses
   * hold every resource (state of the world); EDS and RDS responses hold the requested resources
   * that changed since they were last sent — a client keeps the others
   * (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-updates).
   */
  async flush(): Promise<void> {
    if (this.closed) return;
    const snap = this.cache.get(this.id);
    if (!snap) return;
    const writes: Promise<void>[] = [];
    for (const type of XDS_PUSH_ORDER) {
      const st = this.types.get(type);
      if (!st?.subscribed) continue;
      const ts = snap.types[type];
      if (!st.force && (st.sent?.version === ts.version || st.skipped === ts.version)) continue;
      const wanted = st.names.length > 0 ? new Set(st.names) : undefined;
      const incremental = !st.force && INCREMENTAL_TYPES.has(type);
      const picked: number[] = [];
      ts.names.forEach((name, i) => {
        if (wanted && !wanted.has(name)) return;
        if (incremental && st.sentHashes.get(name) === ts.hashes[i]) return;
        picked.push(i);
      });
      if (incremental && picked.length === 0) {
        st.skipped = ts.version;
        continue;
      }
      const nonce = String(++this.nonceCounter);
      st.sent = { version: ts.version, nonce, at: new Date(), changedAt: snap.changedAt, acked: false };
      st.force = false;
      st.skipped = undefined;
      if (!INCREMENTAL_TYPES.has(type)) st.sentHashes.clear();
      for (const i of picked) st.sentHashes.set(ts.names[i]!, ts.hashes[i]!);
      const resources = picked.map((i) => ts.resources[i]!);
      const written = this.hooks.send({ version_info: ts.version, resources, type_url: TypeUrls[type], nonce });
      if (written) writes.push(written);
      this.metrics.pushed(type);
      this.logger.debug({ proxy: this.proxyId, type, version: ts.version, nonce, resources: resources.length }, 'pushed');
    }
    await Promise.all(writes);
  }

  /** Stops sending. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.unwatch?.();
  }

  /** True after {@link close}. */
  get isClosed(): boolean {
    return this.closed;
  }

  private typeState(type: XdsResourceType): TypeStreamState {
    let st = this.types.get(type);
    if (!st) this.types.set(type, (st = { subscribed: false, names: [], force: false, sentHashes: new Map() }));
    return st;
  }
}
