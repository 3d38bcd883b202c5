import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/runtime';
import type { RoutingTable } from '../routing/routing-table.js';
import { Exchange } from './exchange.js';
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
}

/**
 * One HTTP/1.1 listener of the sidecar (outbound 15001 or inbound 15006). Each request reads the
 * table in force when it arrives, so a config swap never affects requests already in flight.
 */
export class HttpProxy {
  private readonly server: http.Server;
  private inFlightCount = 0;
  private draining = false;
  private listening = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: HttpProxyOptions) {
    // Node's default request timeout (300 s) would cut long streams; Envoy has no such limit by default.
    this.server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 60_000 }, (req, res) => this.handle(req, res));
    this.server.on('clientError', (err, socket) => {
      opts.logger.debug({ err: (err as Error).message }, 'malformed request from downstream');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Binds and resolves with the bound port (0 picks a free one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.listening = true;
        resolve(this.port);
      });
    });
  }

  /** The bound port. */
  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
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
    if (!this.listening) return;
    this.listening = false;
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
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
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.inFlightCount++;
    const exchange = new Exchange(
      {
        direction: this.opts.direction,
        table: this.opts.tables.current,
        pool: this.opts.pool,
        self: this.opts.self,
        defaultRouteTimeoutMs: this.opts.defaultRouteTimeoutMs,
        draining: () => this.draining,
        onComplete: (info) => this.complete(info),
      },
      req,
      res,
    );
    exchange.run();
  }

  private complete(info: RequestInfo): void {
    this.inFlightCount--;
    const { stats, logger, observers } = this.opts;
    stats.recordRequest({ direction: info.direction, cluster: info.cluster, status: info.status, flags: info.responseFlags, durationMs: info.durationMs });
    // Envoy's default access log fields, one line per request.
    logger.debug(
      {
        direction: info.direction,
        method: info.method,
        path: info.path,
        authority: info.host,
        status: info.status,
        flags: info.responseFlags.length > 0 ? info.responseFlags.join(',') : '-',
        bytesReceived: info.requestBytes,
        bytesSent: info.responseBytes,
        durationMs: info.durationMs,
        upstreamHost: info.upstreamHost,
        cluster: info.cluster,
        requestId: info.requestId,
      },
      'access',
    );
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
    if (this.draining) this.server.closeIdleConnections();
  }
}
