import type { ChannelCredentials } from '@grpc/grpc-js';
import { AdminServer, createProcessMetrics, Readiness } from '@mesh/runtime';
import type { Logger, ProcessMetrics, Stoppable } from '@mesh/runtime';
import { INBOUND_LISTENER, jsonToStruct } from '@mesh/shared-api';
import type { WorkloadIdentitySource } from './security/tls/identity-source.js';
import { InboundTransport } from './security/tls/inbound-transport.js';
import { TlsSecrets } from './security/tls/tls-secrets.js';
import { registerSidecarAdminRoutes } from './admin/sidecar-admin.js';
import type { SidecarConfig } from './config.js';
import { nodeId, workloadMetadata } from './config.js';
import type { RequestMatcher } from './proxy/exchange.js';
import { HttpProxy } from './proxy/http-proxy.js';
import type { HttpProxyOptions } from './proxy/http-proxy.js';
import { ListenerManager } from './proxy/listener-manager.js';
import { OriginalDestinationReader } from './proxy/original-destination.js';
import type { OriginalDestinationSource } from './proxy/original-destination.js';
import { AccessLogWriter } from './proxy/access-log.js';
import { OtlpHttpExporter } from './proxy/otlp-exporter.js';
import { Tracer } from './proxy/tracing.js';
import type { PeerLabels, RequestObserver } from './proxy/observer.js';
import { encodePeerMetadata, peerLabels } from './proxy/peer-metadata.js';
import { SidecarStats } from './proxy/stats.js';
import { UpstreamPool } from './proxy/upstream-pool.js';
import os from 'node:os';
import { ClusterRuntimes } from './routing/cluster-runtime.js';
import type { RandomSource } from './routing/load-balancing.js';
import { EMPTY_SNAPSHOT } from './routing/model.js';
import { RoutingTable } from './routing/routing-table.js';
import { AdsClient } from './xds/ads-client.js';
import { Backoff } from './xds/backoff.js';
import type { NodeMessage } from './xds/discovery-messages.js';
import type { ResponseOutcome } from './xds/xds-state.js';
import { XdsState } from './xds/xds-state.js';

/** How often the sidecar checks whether it still holds a certificate (expiry has no event). */
const CERTIFICATE_CHECK_MS = 5_000;

/** An optional part of the sidecar (certificate agent, Mixer client): started first, stopped last. */
export interface SidecarComponent {
  readonly name: string;
  start?(): Promise<unknown>;
  stop(): Promise<void>;
}

/** What a sidecar is built from; everything but config and logger is optional. */
export interface SidecarOptions {
  readonly config: SidecarConfig;
  readonly logger: Logger;
  /** The process's metrics; created (and shut down) by the sidecar when absent. */
  readonly metrics?: ProcessMetrics;
  readonly observers?: readonly RequestObserver[];
  readonly components?: readonly SidecarComponent[];
  /** Credentials for the xDS channel (plaintext when absent). */
  readonly xdsCredentials?: ChannelCredentials;
  /** Random source for weighted clusters, load balancing, faults, mirrors and back-off (tests fix it). */
  readonly random?: RandomSource;
  /** What POST /quitquitquit does; main sends the process SIGTERM. Default: stop the sidecar. */
  readonly onQuit?: () => void;
  /** The workload's certificates for mTLS (the certificate agent); without it TLS chains and clusters that need them fail. */
  readonly identity?: WorkloadIdentitySource;
  /** Mixer Check on inbound requests before forwarding (see mixer/policy-check.ts). */
  readonly policyCheck?: HttpProxyOptions['policyCheck'];
  /** Where redirected connections were going; default: SO_ORIGINAL_DST through koffi (tests fake it). */
  readonly originalDestinations?: OriginalDestinationSource;
  /** Extra read-only admin endpoints (`GET <path>` answers `handler()` as JSON), e.g. `/certs`. */
  readonly adminRoutes?: ReadonlyArray<{ readonly path: string; readonly handler: () => unknown }>;
}

/** The ports the sidecar bound (known after start); gateway listeners by name. */
export interface SidecarPorts {
  readonly outbound: number;
  readonly inbound: number;
  readonly admin: number;
  readonly listeners: ReadonlyMap<string, number>;
}

/**
 * The sidecar: outbound and inbound HTTP proxies routed by the xDS config it receives from Pilot,
 * plus its admin server. Every accepted update builds a new {@link RoutingTable} and swaps it in.
 */
export class Sidecar implements Stoppable {
  readonly state = new XdsState();
  readonly stats: SidecarStats;
  private readonly log: Logger;
  private readonly metrics: ProcessMetrics;
  private readonly ownsMetrics: boolean;
  private readonly readiness = new Readiness();
  private readonly admin: AdminServer;
  private readonly pool: UpstreamPool;
  /** The agent's certificates as SDS secrets (`default`, `ROOTCA`), hot-swapped on rotation. */
  readonly secrets: TlsSecrets;
  private readonly accessLog: AccessLogWriter;
  private readonly exporter: OtlpHttpExporter | undefined;
  private readonly runtimes: ClusterRuntimes;
  private readonly observers: RequestObserver[];
  private readonly outbound: HttpProxy;
  private readonly inbound: HttpProxy;
  /** Gateway mode: the HTTP handling of every listener, and the listeners bound from LDS. */
  private readonly gateway: { http: HttpProxy; listeners: ListenerManager } | undefined;
  private ads: AdsClient | undefined;
  /** The table in force; requests read `current` once when they arrive. */
  private readonly tables: { current: RoutingTable };
  /** This workload as peers see it; filled in at start, when the inbound port is known. */
  private readonly self: { labels: PeerLabels; metadataHeader: string; id: string } = { labels: {}, metadataHeader: '', id: '' };
  private wasSynced = false;
  /** Closes idle connections to ORIGINAL_DST hosts that no longer carry traffic (Envoy's `cleanup_interval`, 5 s). */
  private originalDstCleanup: NodeJS.Timeout | undefined;
  private certTimer: NodeJS.Timeout | undefined;
  private stopCertWatch: () => void = () => undefined;
  private startedComponents: SidecarComponent[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: SidecarOptions) {
    this.log = opts.logger.child({ component: 'sidecar' });
    this.ownsMetrics = opts.metrics === undefined;
    this.metrics = opts.metrics ?? createProcessMetrics('mesh-sidecar');
    this.stats = new SidecarStats(this.metrics.meter);
    this.observers = [...(opts.observers ?? [])];
    this.secrets = new TlsSecrets(opts.identity);
    this.pool = new UpstreamPool((cluster, stat) => this.stats.inc(`cluster.${cluster}.${stat}`), this.secrets);
    this.runtimes = new ClusterRuntimes(Date.now, opts.random ?? Math.random, (cluster, host, type) => {
      this.stats.inc(`cluster.${cluster}.outlier_detection.ejections_enforced_total`);
      this.stats.inc(`cluster.${cluster}.outlier_detection.ejections_enforced_${type}`);
      this.log.info({ cluster, host, type }, 'outlier detection ejected a host');
    });
    this.tables = { current: new RoutingTable(EMPTY_SNAPSHOT, this.pickers()) };
    const s = opts.config.settings;
    this.admin = new AdminServer({ host: s.adminHost, port: s.adminPort, logger: opts.logger.child({ component: 'admin' }), metrics: this.metrics, readiness: this.readiness });
    this.readiness.add('xds-synced', () => this.state.synced);
    this.accessLog = new AccessLogWriter(s.accessLogPath ? [s.accessLogPath] : [], (path, err) => this.log.warn({ err, path }, 'access log write failed'));
    this.exporter = s.otlpEndpoint
      ? new OtlpHttpExporter({ endpoint: s.otlpEndpoint, serviceName: `${opts.config.workloadName}.${s.namespace}`, logger: opts.logger.child({ component: 'otlp' }), onDropped: (n) => this.stats.inc('tracing.spans_dropped', n) })
      : undefined;
    const tracer = new Tracer({ samplingPercent: opts.config.traceSamplingPercent, random: opts.random ?? Math.random, nodeId: nodeId(opts.config), ...(this.exporter ? { exporter: this.exporter } : {}) });
    const common = {
      accessLog: this.accessLog,
      tracer,
      tables: this.tables,
      pool: this.pool,
      stats: this.stats,
      observers: this.observers,
      self: this.self,
      defaultRouteTimeoutMs: s.routeTimeoutMs,
      random: opts.random ?? Math.random,
      hostname: os.hostname(),
      limits: {
        maxHeaderBytes: s.maxRequestHeadersKb * 1024,
        headersTimeoutMs: s.requestHeadersTimeoutMs,
        requestTimeoutMs: s.requestTimeoutMs,
        keepAliveTimeoutMs: 60_000,
      },
    };
    // Redirected connections go to the LDS listener at their original destination (TCP services,
    // PassthroughCluster); the rest stay with the outbound HTTP proxy, routed by Host header.
    let redirects: ListenerManager | undefined;
    this.outbound = new HttpProxy({
      ...common,
      direction: 'outbound',
      matcher: outboundMatcher,
      takeConnection: (socket) => redirects?.takeRedirected(socket) === true,
      logger: opts.logger.child({ component: 'outbound' }),
    });
    if (s.mode !== 'gateway') {
      const originalDestinations = opts.originalDestinations ?? new OriginalDestinationReader(opts.logger.child({ component: 'original-dst' }));
      redirects = new ListenerManager({ tables: this.tables, http: this.outbound, stats: this.stats, secrets: this.secrets, originalDestinations, logger: opts.logger.child({ component: 'redirects' }) });
    }
    const inboundTls = new InboundTransport(this.secrets, (stat) => this.stats.inc(`listener.${INBOUND_LISTENER}.${stat}`));
    this.inbound = new HttpProxy({ ...common, direction: 'inbound', tcpChains: true, inboundTls, logger: opts.logger.child({ component: 'inbound' }), ...(opts.policyCheck ? { policyCheck: opts.policyCheck } : {}) });
    if (s.mode === 'gateway') {
      const http = new HttpProxy({ ...common, direction: 'outbound', matcher: gatewayMatcher, logger: opts.logger.child({ component: 'gateway' }) });
      const listeners = new ListenerManager({ tables: this.tables, http, stats: this.stats, secrets: this.secrets, logger: opts.logger.child({ component: 'listeners' }), ...(s.gatewayBindHost ? { bindHost: s.gatewayBindHost } : {}) });
      this.gateway = { http, listeners };
    }
  }

  /** Adds a per-request observer (before or after start). */
  addObserver(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  /** The routing table in force. */
  get table(): RoutingTable {
    return this.tables.current;
  }

  /** Requests (and upgraded/TCP connections) being handled right now. */
  get inFlight(): number {
    return this.outbound.inFlight + this.inbound.inFlight + (this.gateway?.http.inFlight ?? 0);
  }

  /** Bound ports (after start). */
  get ports(): SidecarPorts {
    return { outbound: this.outbound.port, inbound: this.inbound.port, admin: this.admin.port, listeners: this.gateway?.listeners.ports() ?? new Map() };
  }

  /** Starts components, binds the listeners, starts admin, then connects to Pilot (retrying in the background). */
  async start(): Promise<void> {
    const { config, logger } = this.opts;
    const s = config.settings;
    for (const c of this.opts.components ?? []) {
      await c.start?.();
      this.startedComponents.push(c);
    }
    // A gateway has no workload behind it: only the listeners Pilot sends are bound.
    const inboundPort = this.gateway ? 0 : await this.inbound.listen(s.inboundBindHost, s.inboundPort);
    const outboundPort = this.gateway ? 0 : await this.outbound.listen(s.outboundBindHost, s.outboundPort);
    let certified = this.secrets.identity !== undefined;
    const metadata = workloadMetadata(config, inboundPort, certified);
    const id = nodeId(config);
    Object.assign(this.self, { labels: peerLabels(metadata), metadataHeader: encodePeerMetadata(metadata), id });
    const nodeFor = (m: typeof metadata): NodeMessage => ({ id, cluster: `${config.service ?? config.workloadName}.${s.namespace}`, metadata: jsonToStruct({ ...m }), user_agent_name: 'mesh-sidecar', locality: {} });
    const node = nodeFor(metadata);
    registerSidecarAdminRoutes(this.admin, {
      readiness: this.readiness,
      state: this.state,
      stats: this.stats,
      metrics: this.metrics,
      node: () => ({ id, metadata, pilot: s.pilotAddress }),
      quit: this.opts.onQuit ?? (() => void this.stop().catch((err: unknown) => this.log.error({ err }, 'stop failed'))),
    });
    for (const r of this.opts.adminRoutes ?? []) {
      this.admin.app.get(r.path, async (_req, reply) => {
        const body = r.handler();
        return body === undefined ? reply.code(404).send({ error: `nothing at ${r.path} yet` }) : reply.send(body);
      });
    }
    await this.admin.start();
    this.log.info({ outboundPort, inboundPort, adminPort: this.admin.port, nodeId: id, service: config.serviceHost, appPort: s.appPort }, 'sidecar listening');
    this.ads = new AdsClient({
      address: s.pilotAddress,
      node,
      state: this.state,
      logger: logger.child({ component: 'xds' }),
      onResponse: (o) => this.onXdsResponse(o),
      backoff: new Backoff(200, s.xdsMaxBackoffMs),
      ...(this.opts.xdsCredentials ? { credentials: this.opts.xdsCredentials } : {}),
    });
    this.ads.start();
    this.originalDstCleanup = setInterval(() => {
      const clusters = this.tables.current.clusterEntries();
      if ([...clusters.values()].some((c) => c.model.type === 'ORIGINAL_DST')) this.pool.prune(clusters);
    }, ORIGINAL_DST_CLEANUP_MS);
    this.originalDstCleanup.unref();
    // Pilot advertises this workload as mTLS-capable (and defaults its inbound to PERMISSIVE) only
    // while it holds a certificate: re-announce when that changes — the first certificate arriving
    // late, or one expiring unrenewed. Rotations (a certificate replacing another) change nothing.
    const recheck = (): void => {
      const now = this.secrets.identity !== undefined;
      if (now === certified || !this.ads) return;
      certified = now;
      this.log.info({ certified }, now ? 'certificate obtained: announcing mTLS capability to Pilot' : 'certificate lost: announcing plaintext to Pilot');
      this.ads.reconnect(nodeFor(workloadMetadata(config, inboundPort, now)));
    };
    this.stopCertWatch = this.secrets.onChange(recheck);
    this.certTimer = setInterval(recheck, CERTIFICATE_CHECK_MS);
    this.certTimer.unref();
  }

  /** Resolves once the first CDS, EDS, LDS and RDS are applied, or rejects after `timeoutMs`. */
  async whenSynced(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.state.synced) {
      if (Date.now() > deadline) throw new Error(`xDS config not synced within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Not ready → drain listeners (bounded by drainMs) → close the xDS stream → stop components and admin. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.readiness.drain();
    const drainMs = this.opts.config.settings.drainMs;
    this.log.info({ drainMs, inFlight: this.outbound.inFlight + this.inbound.inFlight }, 'draining');
    await Promise.all([this.outbound.stop(drainMs), this.inbound.stop(drainMs), this.gateway?.listeners.stop(drainMs), this.gateway?.http.stop(drainMs)]);
    if (this.certTimer) clearInterval(this.certTimer);
    this.stopCertWatch();
    await this.ads?.stop();
    for (const c of [...this.startedComponents].reverse()) {
      try {
        await c.stop();
      } catch (err) {
        this.log.warn({ err, component: c.name }, 'component failed to stop');
      }
    }
    clearInterval(this.originalDstCleanup);
    await this.admin.stop();
    this.secrets.close();
    await this.exporter?.stop();
    await this.accessLog.close();
    this.pool.destroy();
    if (this.ownsMetrics) await this.metrics.shutdown();
  }

  private onXdsResponse(o: ResponseOutcome): void {
    const type = o.type ?? 'unknown';
    for (const w of o.warnings) this.log.warn({ type }, w);
    if (!o.accepted) {
      this.stats.inc(`xds.${type}.update_rejected`);
      this.log.warn({ type, reason: o.message }, 'xDS update rejected (NACK); keeping the last good config');
      return;
    }
    this.stats.inc(`xds.${type}.update_success`);
    const table = new RoutingTable(this.state.snapshot(), this.pickers());
    this.tables.current = table;
    this.pool.prune(table.clusterEntries());
    if (this.gateway && type === 'Listener') {
      this.gateway.listeners.sync(table).catch((err: unknown) => this.log.error({ err }, 'listener sync failed'));
    }
    const snap = table.snapshot;
    this.log.debug({ type, listeners: snap.listeners.size, routes: snap.routes.size, clusters: snap.clusters.size, endpoints: snap.endpoints.size }, 'xDS update applied');
    if (!this.wasSynced && this.state.synced) {
      this.wasSynced = true;
      this.log.info({ listeners: snap.listeners.size, clusters: snap.clusters.size }, 'xDS config synced; ready');
    }
  }

  private pickers() {
    return { random: this.opts.random ?? Math.random, runtimes: this.runtimes };
  }
}

/** Envoy's default `cleanup_interval` of ORIGINAL_DST clusters: their hosts come and go with connections. */
const ORIGINAL_DST_CLEANUP_MS = 5000;

/** Outbound requests: by the listener a redirected connection was handed to, else by destination port (Host header). */
const outboundMatcher: RequestMatcher = (table, facts, conn, destinationPort) =>
  conn.binding ? table.matchChain(conn.binding.listener, conn.binding.chain, facts) : table.matchOutbound(facts, destinationPort);

/** Gateway requests are routed by the listener and filter chain that took their connection. */
const gatewayMatcher: RequestMatcher = (table, facts, conn) =>
  conn.binding ? table.matchChain(conn.binding.listener, conn.binding.chain, facts) : { ok: false, status: 404, flag: 'NR', reason: 'connection without a listener' };
