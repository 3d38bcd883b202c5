import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@mesh/runtime';
import { INBOUND_LISTENER } from '@mesh/shared-api';
import type { FilterChainModel, TcpProxyModel } from '../routing/model.js';
import type { InboundTransport } from '../security/tls/inbound-transport.js';
import type { RandomSource } from '../routing/load-balancing.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { ConnInfo, DownstreamRequest, DownstreamResponse } from './downstream.js';
import type { DownstreamLimits } from './downstream-server.js';
import { DEFAULT_LIMITS, DownstreamServer } from './downstream-server.js';
import { Exchange } from './exchange.js';
import type { ExchangeContext, RequestMatcher } from './exchange.js';
import type { AccessLogWriter } from './access-log.js';
import { connInfoOf, isHttp2 } from './downstream.js';
import type { Tracer } from './tracing.js';
import { proxyTcp } from './tcp-proxy.js';
import { handleUpgrade } from './upgrade.js';
import type { PeerLabels, RequestInfo, RequestObserver, TrafficDirection } from './observer.js';
import type { SidecarStats } from './stats.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Holds the routing table in force; replaced whole on every accepted xDS update. */
export interface TableHolder {
  readonly current: RoutingTable;
}

/** What an HTTP/1.1 proxy listener is built from. */
export interface HttpProxyOptions {
  readonly direction: TrafficDirection;
  readonly tables: TableHolder;
  readonly pool: UpstreamPool;
  readonly stats: SidecarStats;
  readonly logger: Logger;
  /** Read on every completion, so observers registered later are seen. */
  readonly observers: readonly RequestObserver[];
  readonly self: { readonly labels: PeerLabels; readonly metadataHeader: string; readonly id: string };
  readonly defaultRouteTimeoutMs: number;
  /** Random source for fault injection, CORS sampling, mirroring and retry back-off. */
  readonly random: RandomSource;
  /** This host's name (`%HOSTNAME%` in header values). */
  readonly hostname: string;
  /** Request size and time limits (default {@link DEFAULT_LIMITS}). */
  readonly limits?: DownstreamLimits;
  /** How requests find their route (gateway listeners); default by direction. */
  readonly matcher?: RequestMatcher;
  /** Inbound: connections whose filter chain (by local port) is a TCP proxy are relayed as TCP. */
  readonly tcpChains?: boolean;
  readonly accessLog?: AccessLogWriter;
  readonly tracer?: Tracer;
  /** Inbound: terminates mTLS on ports whose inbound filter chains have TLS (PeerAuthentication STRICT / PERMISSIVE). */
  readonly inboundTls?: InboundTransport;
  /** Mixer Check before forwarding. */
  readonly policyCheck?: ExchangeContext['policyCheck'];
  /** Sees each new connection first; true means it took the connection (outbound: redirected connections handed to LDS listeners). */
  readonly takeConnection?: (socket: Socket) => boolean;
}

/**
 * One HTTP listener of the sidecar, HTTP/1.1 and h2c (outbound 15001 or inbound 15006). Each request reads the
 * table in force when it arrives, so a config swap never affects requests already in flight.
 */
export class HttpProxy {
  private readonly server: DownstreamServer;
  private inFlightCount = 0;
  /** Connections relayed as TCP: closed when the drain ends. */
  private readonly relayed = new Set<Duplex>();
  private draining = false;
  private listening = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: HttpProxyOptions) {
    this.server = new DownstreamServer(
      {
        request: (req, res, conn) => this.handle(req, res, conn),
        upgrade: (req, socket, head, conn) => this.upgrade(req, socket, head, conn),
        connection: (socket) => opts.takeConnection?.(socket) === true || this.tcpChain(socket),
        clientError: (err) => {
          opts.stats.inc(`http.${opts.direction}.downstream_rq_rejected`);
          opts.logger.debug({ err: err.message }, 'malformed request from downstream');
        },
      },
      opts.limits ?? DEFAULT_LIMITS,
    );
  }

  /** Takes a connection accepted by a gateway listener (TLS already terminated when it applies). */
  accept(socket: Socket | TLSSocket, conn: ConnInfo): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.server.accept(socket, conn);
  }

  /** Relays a connection whose filter chain is a TCP proxy, counted in flight until it closes. */
  relayTcp(socket: Duplex, tcp: TcpProxyModel, conn: ConnInfo): void {
    if (this.draining) return void socket.destroy();
    this.inFlightCount++;
    this.relayed.add(socket);
    socket.once('close', () => this.relayed.delete(socket));
    proxyTcp(this.context(), socket, tcp, conn);
  }

  /** Binds and resolves with the bound port (0 picks a free one). */
  async listen(host: string, port: number): Promise<number> {
    const bound = await this.server.listen(host, port);
    this.listening = true;
    return bound;
  }

  /** The bound port. */
  get port(): number {
    return this.server.port;
  }

  /** Requests being handled right now. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Stops accepting, lets requests in flight finish for up to `drainMs`, then closes every
   * connection. Idempotent.
   */
  async stop(drainMs: number): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const closed = this.listening ? this.server.close() : Promise.resolve();
    this.listening = false;
    this.server.closeIdle();
    if (this.inFlightCount > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
    this.server.closeAll();
    for (const s of this.relayed) s.destroy();
    await closed;
  }

  /** What a request (or a TCP connection) handled by this proxy needs. */
  context(): ExchangeContext {
    return {
      direction: this.opts.direction,
      table: this.opts.tables.current,
      pool: this.opts.pool,
      stats: this.opts.stats,
      random: this.opts.random,
      hostname: this.opts.hostname,
      self: this.opts.self,
      defaultRouteTimeoutMs: this.opts.defaultRouteTimeoutMs,
      ...(this.opts.matcher ? { matcher: this.opts.matcher } : {}),
      ...(this.opts.tracer ? { tracer: this.opts.tracer } : {}),
      draining: () => this.draining,
      onComplete: (info, accessLogs) => this.complete(info, accessLogs),
      ...(this.opts.policyCheck ? { policyCheck: this.opts.policyCheck } : {}),
    };
  }

  /** Relays a connection whose inbound filter chain is a TCP proxy; false leaves it to HTTP. */
  private tcpChain(socket: Socket): boolean {
    const deliver = (s: Socket | TLSSocket, conn: ConnInfo, chain: FilterChainModel): void => {
      if (this.draining) return void s.destroy();
      if (chain.tcp && !chain.http) this.relayTcp(s, chain.tcp, conn);
      else this.server.accept(s, conn);
    };
    if (this.opts.inboundTls?.take(this.opts.tables.current.listener(INBOUND_LISTENER), socket, deliver)) return true;
    if (!this.opts.tcpChains) return false;
    const chain = this.opts.tables.current.inboundChain(socket.localPort ?? 0);
    if (!chain?.tcp || chain.http) return false;
    this.relayTcp(socket, chain.tcp, connInfoOf(socket));
    return true;
  }

  private handle(req: DownstreamRequest, res: DownstreamResponse, conn: ConnInfo): void {
    if (!conn.encrypted && this.opts.inboundTls && !this.opts.inboundTls.admitsPlaintext(this.opts.tables.current.listener(INBOUND_LISTENER), conn.localPort)) {
      // A keep-alive plaintext connection from before the port turned STRICT: close it, as a drain would.
      this.opts.stats.inc(`listener.${INBOUND_LISTENER}.plaintext_refused`);
      return void (isHttp2(req) ? req.stream.session?.destroy() : req.socket.destroy());
    }
    this.inFlightCount++;
    new Exchange(this.context(), req, res, conn).run();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer, conn: ConnInfo): void {
    this.inFlightCount++;
    handleUpgrade(this.context(), req, socket, head, conn);
  }

  private complete(info: RequestInfo, accessLogs?: readonly string[]): void {
    this.inFlightCount--;
    const { stats, logger, observers } = this.opts;
    stats.recordRequest({ direction: info.direction, cluster: info.cluster, status: info.status, flags: info.responseFlags, durationMs: info.durationMs });
    this.opts.accessLog?.write(info, accessLogs);
    for (const o of observers) {
      try {
        o.onRequestComplete(info);
      } catch (err) {
        logger.warn({ err }, 'request observer failed');
      }
    }
    if (this.inFlightCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    if (this.draining) this.server.closeIdle();
  }
}
