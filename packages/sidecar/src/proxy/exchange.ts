import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RouteDecision, RoutingTable } from '../routing/routing-table.js';
import { endpointKey } from '../routing/routing-table.js';
import { parseRequestTarget } from '../routing/request-target.js';
import { appendForwardedFor, endToEndHeaders, flatHeaders } from './headers.js';
import { sendLocalReply } from './local-reply.js';
import type { PeerLabels, RequestInfo, TrafficDirection } from './observer.js';
import { labelsFromCluster, PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, takePeerMetadata } from './peer-metadata.js';
import type { UpstreamPool } from './upstream-pool.js';

/** What one proxied request needs from its proxy. */
export interface ExchangeContext {
  readonly direction: TrafficDirection;
  readonly table: RoutingTable;
  readonly pool: UpstreamPool;
  /** This workload: labels for telemetry and the peer-metadata header value. */
  readonly self: { readonly labels: PeerLabels; readonly metadataHeader: string; readonly id: string };
  readonly defaultRouteTimeoutMs: number;
  /** True while the proxy drains: responses close their connection. */
  readonly draining: () => boolean;
  readonly onComplete: (info: RequestInfo) => void;
}

/**
 * One request through the proxy: route it, forward it with streaming in both directions, and
 * turn every failure into Envoy's local reply and response flag:
 * 404 NR (no route), 503 NC (no cluster), 503 UH (no healthy upstream), 503 UF (connect failure),
 * 503 UC (connection closed before the response), 504 UT (route timeout), UR / DC (reset after the
 * response began, upstream / downstream). Exactly one RequestInfo is reported per request.
 */
export class Exchange {
  private readonly started = process.hrtime.bigint();
  private readonly startTime = new Date();
  private readonly flags: string[] = [];
  private requestBytes = 0;
  private responseBytes = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private upstream: http.ClientRequest | undefined;
  private decision: RouteDecision | undefined;
  private authority = '';
  private path: string;
  private requestId: string;
  private peer: PeerLabels | undefined;

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.path = req.url ?? '/';
    const rid = req.headers['x-request-id'];
    this.requestId = typeof rid === 'string' && rid ? rid : randomUUID();
  }

  /** Routes and forwards; completion is reported through the context. */
  run(): void {
    const { req, res, ctx } = this;
    req.on('data', (chunk: Buffer) => (this.requestBytes += chunk.length));
    res.on('close', () => {
      if (!res.writableFinished) {
        // The downstream went away before the response was complete.
        if (!this.done && !this.flags.includes('UR') && !this.flags.includes('UT')) this.flag('DC');
        this.upstream?.destroy();
      }
      this.complete();
    });
    if (ctx.direction === 'inbound') this.peer = takePeerMetadata(req.headers);
    else takePeerMetadata(req.headers); // the app must not speak for its sidecar
    const target = parseRequestTarget(req.url ?? '/', req.headers.host);
    if (!target.ok) return this.localReply(400, 'DPE');
    this.authority = target.authority;
    this.path = target.path;
    const facts = { method: req.method ?? 'GET', path: target.path, authority: target.authority, headers: flatHeaders(req.headers) };
    const localPort = (req.socket as Socket).localPort ?? 0;
    const decision = ctx.direction === 'outbound' ? ctx.table.routeOutbound(facts, target.port) : ctx.table.routeInbound(facts, localPort);
    this.decision = decision;
    if (!decision.ok) {
      req.resume();
      return this.localReply(decision.status, decision.flag);
    }
    this.forward(decision, 0);
  }

  private forward(d: Extract<RouteDecision, { ok: true }>, attempt: number): void {
    const { req, res, ctx } = this;
    const headers = endToEndHeaders(req.headers, ['expect']);
    headers['host'] = this.authority;
    headers['x-request-id'] = this.requestId;
    const xff = appendForwardedFor(req.headers['x-forwarded-for'], req.socket.remoteAddress);
    if (xff) headers['x-forwarded-for'] = xff;
    headers['x-forwarded-proto'] ??= 'http';
    if (ctx.direction === 'outbound') {
      headers[PEER_METADATA_HEADER] = ctx.self.metadataHeader;
      headers[PEER_METADATA_ID_HEADER] = ctx.self.id;
    }
    const upstreamStart = process.hrtime.bigint();
    const upstream = http.request({
      host: d.endpoint.address,
      port: d.endpoint.port,
      method: req.method,
      path: this.path,
      headers,
      agent: ctx.pool.agentFor(d.endpoint),
      setHost: false,
    });
    this.upstream = upstream;
    let connected = false;
    let responded = false;
    upstream.on('socket', (socket: Socket) => {
      if (!socket.connecting) {
        connected = true;
        return;
      }
      const connectTimer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), d.connectTimeoutMs);
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      });
      socket.once('close', () => clearTimeout(connectTimer));
    });
    const timeoutMs = d.timeoutMs ?? ctx.defaultRouteTimeoutMs;
    if (attempt === 0 && timeoutMs > 0) {
      // Envoy's route timeout covers the whole upstream exchange, response body included.
      this.timer = setTimeout(() => {
        this.flag('UT');
        this.upstream?.destroy();
        if (res.headersSent) res.destroy();
        else this.localReply(504, 'UT');
      }, timeoutMs);
    }
    upstream.on('response', (ures) => {
      responded = true;
      const headers: OutgoingHttpHeaders = endToEndHeaders(ures.headers);
      if (ctx.direction === 'outbound') this.peer = takePeerMetadata(headers);
      else {
        takePeerMetadata(headers);
        // Answer the exchange only to a sidecar that started it; plain clients learn nothing.
        if (this.peer) {
          headers[PEER_METADATA_HEADER] = ctx.self.metadataHeader;
          headers[PEER_METADATA_ID_HEADER] = ctx.self.id;
        }
      }
      headers['x-envoy-upstream-service-time'] = String(elapsedMs(upstreamStart));
      if (ctx.draining()) headers['connection'] = 'close';
      if (res.headersSent || res.destroyed) {
        ures.resume();
        return;
      }
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
      ures.on('data', (chunk: Buffer) => (this.responseBytes += chunk.length));
      ures.on('end', () => this.clearTimer());
      ures.on('aborted', () => {
        this.flag('UR');
        res.destroy();
      });
      ures.on('error', () => {
        this.flag('UR');
        res.destroy();
      });
      ures.pipe(res);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (this.done || this.flags.includes('UT') || this.flags.includes('DC')) return;
      if (responded) {
        this.flag('UR');
        res.destroy();
        return;
      }
      // A pooled connection the upstream closed while idle: safe to retry once if there is no body to replay.
      if (upstream.reusedSocket && err.code === 'ECONNRESET' && attempt === 0 && !hasBody(req)) return this.forward(d, 1);
      this.clearTimer();
      if (connected) this.localReply(503, 'UC');
      else this.localReply(503, 'UF');
    });
    if (hasBody(req)) req.pipe(upstream);
    else {
      req.resume();
      upstream.end();
    }
  }

  private localReply(status: number, flag: string): void {
    this.flag(flag);
    this.clearTimer();
    sendLocalReply(this.res, status, flag, this.ctx.draining() ? { connection: 'close' } : {});
  }

  private flag(f: string): void {
    if (!this.flags.includes(f)) this.flags.push(f);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    const { ctx, req, res } = this;
    const d = this.decision;
    const cluster = d?.ok ? d.cluster : d?.cluster;
    const selfLabels = ctx.self.labels;
    const peer = this.peer ?? (ctx.direction === 'outbound' ? labelsFromCluster(cluster) : {});
    const ua = req.headers['user-agent'];
    this.ctx.onComplete({
      direction: ctx.direction,
      source: ctx.direction === 'outbound' ? selfLabels : peer,
      destination: ctx.direction === 'outbound' ? peer : selfLabels,
      host: this.authority,
      method: req.method ?? 'GET',
      path: this.path,
      protocol: 'http',
      status: res.headersSent ? res.statusCode : 0,
      responseFlags: [...this.flags],
      startTime: this.startTime,
      durationMs: elapsedMs(this.started),
      requestBytes: this.requestBytes,
      responseBytes: this.responseBytes,
      ...(cluster ? { cluster } : {}),
      ...(d?.ok ? { upstreamHost: endpointKey(d.endpoint) } : {}),
      requestId: this.requestId,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
    });
  }
}

/** True when the request carries a body (RFC 9112 §6.3: Transfer-Encoding or a non-zero Content-Length). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}

function elapsedMs(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e5) / 10;
}
