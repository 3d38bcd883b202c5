import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { CorsDecision } from '../routing/cors.js';
import { decideCors } from '../routing/cors.js';
import type { FaultDecision } from '../routing/fault.js';
import { decideFault } from '../routing/fault.js';
import type { HeaderFormatContext } from '../routing/header-mutation.js';
import { applyHeaderMutations } from '../routing/header-mutation.js';
import type { RandomSource } from '../routing/load-balancing.js';
import type { RequestFacts } from '../routing/match.js';
import type { DirectResponseModel, RedirectModel } from '../routing/route-model.js';
import { redirectLocation } from '../routing/rewrite.js';
import type { MatchedRoute, MatchResult, RoutingTable } from '../routing/routing-table.js';
import { parseRequestTarget } from '../routing/request-target.js';
import type { HttpSecurityModel } from '../security/http-security.js';
import { applyHeaderEdits, checkHttpSecurity } from '../security/http-security.js';
import type { ConnInfo, DownstreamRequest, DownstreamResponse } from './downstream.js';
import { authorityOf, isHttp2, responseGone } from './downstream.js';
import { Forwarder } from './forwarder.js';
import { flatHeaders } from './headers.js';
import { grpcStatusFor, LOCAL_REPLY_BODIES, sendGrpcReply, sendLocalReply, sendResponse } from './local-reply.js';
import type { PeerLabels, RequestInfo, TrafficDirection } from './observer.js';
import { labelsFromCluster, takePeerMetadata } from './peer-metadata.js';
import { RequestBody } from './request-body.js';
import type { SidecarStats } from './stats.js';
import type { HopSpan, Tracer } from './tracing.js';
import type { UpstreamPool } from './upstream-pool.js';

/** What one proxied request needs from its proxy. */
export interface ExchangeContext {
  readonly direction: TrafficDirection;
  readonly table: RoutingTable;
  readonly pool: UpstreamPool;
  readonly stats: SidecarStats;
  readonly random: RandomSource;
  /** This workload: labels for telemetry and the peer-metadata header value. */
  readonly self: { readonly labels: PeerLabels; readonly metadataHeader: string; readonly id: string };
  readonly defaultRouteTimeoutMs: number;
  readonly hostname: string;
  /** How requests find their route (default: outbound by destination port, inbound by local port). */
  readonly matcher?: RequestMatcher;
  /** Spans per hop and trace header propagation. */
  readonly tracer?: Tracer;
  /** True while the proxy drains: responses close their connection. */
  readonly draining: () => boolean;
  /** Reports a finished request (and the access log paths of its connection manager). */
  readonly onComplete: (info: RequestInfo, accessLogs?: readonly string[]) => void;
  /** Mixer Check before forwarding (sidecar/src/mixer): undefined = no check for this request. */
  readonly policyCheck?: (ex: Exchange) => Promise<{ allow: true } | { allow: false; status: number; flag: string; body: string }> | undefined;
}

/** Finds the route for a request on a connection (gateway listeners match by their filter chain). */
export type RequestMatcher = (table: RoutingTable, facts: RequestFacts, conn: ConnInfo, destinationPort: number) => MatchResult;

/** The route for a request: the context's matcher, else outbound by destination port / inbound by local port. */
export function matchRequest(ctx: ExchangeContext, facts: RequestFacts, conn: ConnInfo, destinationPort: number): MatchResult {
  if (ctx.matcher) return ctx.matcher(ctx.table, facts, conn, destinationPort);
  return ctx.direction === 'outbound' ? ctx.table.matchOutbound(facts, destinationPort) : ctx.table.matchInbound(facts, conn.localPort);
}

/** gRPC statuses are carried in a 200 response (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). */
const GRPC_CONTENT_TYPE = 'application/grpc';

/**
 * One request through the proxy, in the order of Envoy's HTTP connection manager: route match,
 * then the HTTP filters of the chain (fault injection, CORS), then the router's action (redirect,
 * direct response, or forwarding with retries, timeouts and mirrors; see {@link Forwarder}).
 * Every failure becomes Envoy's local reply and response flag; exactly one RequestInfo is
 * reported per request.
 */
export class Exchange {
  readonly started = process.hrtime.bigint();
  readonly startTime = new Date();
  readonly flags: string[] = [];
  readonly requestId: string;
  authority = '';
  path: string;
  facts: RequestFacts | undefined;
  matched: MatchedRoute | undefined;
  body: RequestBody | undefined;
  /** Response headers the CORS filter adds to a forwarded response. */
  corsHeaders: Record<string, string> | undefined;
  cluster: string | undefined;
  upstreamHost: string | undefined;
  peer: PeerLabels | undefined;
  responseBytes = 0;
  private done = false;
  private delayTimer: NodeJS.Timeout | undefined;
  private forwarder: Forwarder | undefined;
  private unwatch: (() => void) | undefined;
  /** This hop's span (trace id, own span id, parent). */
  readonly span: HopSpan | undefined;

  constructor(
    readonly ctx: ExchangeContext,
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly conn: ConnInfo,
  ) {
    this.path = req.url ?? '/';
    const rid = req.headers['x-request-id'];
    this.requestId = typeof rid === 'string' && rid ? rid : randomUUID();
    this.span = ctx.tracer?.start(req.headers);
  }

  /** Routes and handles the request; completion is reported through the context. */
  run(): void {
    const { req, res, ctx } = this;
    const gone = () => {
      if (!res.writableFinished && !this.done) {
        // The downstream went away before the response was complete.
        if (!this.hasFlag('UR') && !this.hasFlag('UT')) this.flag('DC');
        this.forwarder?.abort();
      }
      this.complete();
    };
    res.on('close', gone);
    // A pipelined response waiting for its turn never sees its socket close: watch the socket too.
    if (!isHttp2(req)) this.unwatch = watchSocket(req.socket, gone);
    if (ctx.direction === 'inbound') this.peer = takePeerMetadata(req.headers);
    else takePeerMetadata(req.headers); // the app must not speak for its sidecar
    const target = parseRequestTarget(req.url ?? '/', authorityOf(req));
    if (!target.ok) {
      req.resume();
      return this.localReply(400, 'DPE');
    }
    this.authority = target.authority;
    this.path = target.path;
    const facts: RequestFacts = { method: req.method ?? 'GET', path: target.path, authority: target.authority, headers: flatHeaders(req.headers) };
    this.facts = facts;
    const m = matchRequest(ctx, facts, this.conn, target.port);
    if (!m.ok) {
      req.resume();
      return this.localReply(m.status, m.flag);
    }
    this.matched = m.matched;
    if (m.matched.target) this.cluster = m.matched.target.name;
    if (m.matched.virtualHost.requireTls && !this.secure) {
      // require_tls (Istio's httpsRedirect): a 301 to the https URL, before any filter runs.
      req.resume();
      const location = redirectLocation({ kind: 'redirect', scheme: 'https', status: 301, stripQuery: false }, m.matched.route.match, { scheme: 'http', authority: this.authority, path: this.path });
      return sendResponse(this.res, 301, '', this.withConnection({ location }));
    }
    this.body = new RequestBody(req, hasBody(req), m.matched.plan.retry !== undefined);
    if (m.matched.plan.security) return this.authorize(m.matched.plan.security);
    this.runFilters(0);
  }

  /** Adds a response flag (once). */
  flag(f: string): void {
    if (!this.flags.includes(f)) this.flags.push(f);
  }

  /** True when the flag was set. */
  hasFlag(f: string): boolean {
    return this.flags.includes(f);
  }

  /** True once the exchange was reported (the downstream response is over). */
  get finished(): boolean {
    return this.done;
  }

  /** A local reply without route header mutations (filters, routing failures). */
  localReply(status: number, flag: string, headers: OutgoingHttpHeaders = {}): void {
    this.flag(flag);
    this.body?.start();
    if (this.isGrpc) return sendGrpcReply(this.res, grpcStatusFor(status), LOCAL_REPLY_BODIES[flag] ?? '', this.withConnection(headers));
    sendLocalReply(this.res, status, flag, this.withConnection(headers));
  }

  /** A reply from the router itself (UH, UF, UO, UT, redirects, direct responses): route response mutations apply. */
  routerReply(status: number, flag: string | undefined, body?: string, headers: OutgoingHttpHeaders = {}): void {
    if (flag) this.flag(flag);
    this.body?.start();
    const h = this.routerResponseHeaders(headers);
    if (flag && this.isGrpc) return sendGrpcReply(this.res, grpcStatusFor(status), LOCAL_REPLY_BODIES[flag] ?? '', h);
    if (body === undefined && flag) sendLocalReply(this.res, status, flag, h);
    else sendResponse(this.res, status, body ?? '', h);
  }

  /** True when the request came over TLS (or a TLS-terminating proxy in front said so). */
  get secure(): boolean {
    return this.conn.encrypted || this.req.headers['x-forwarded-proto'] === 'https';
  }

  /** True for a gRPC request (its local replies carry a gRPC status). */
  get isGrpc(): boolean {
    const ct = this.req.headers['content-type'];
    return typeof ct === 'string' && ct.startsWith(GRPC_CONTENT_TYPE);
  }

  /** Response headers after the route's mutations, the CORS headers and connection handling. */
  routerResponseHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    const m = this.matched;
    if (m) {
      const levels = m.target?.headerOps ? (m.plan.mostSpecificWins ? [...m.plan.responseMutations, m.target.headerOps.response] : [m.target.headerOps.response, ...m.plan.responseMutations]) : m.plan.responseMutations;
      if (levels.length > 0) applyHeaderMutations(headers, levels, this.formatContext());
    }
    if (this.corsHeaders) Object.assign(headers, this.corsHeaders);
    return this.withConnection(headers);
  }

  /** What header-value substitutions read for this request. */
  formatContext(): HeaderFormatContext {
    const c = this.conn;
    return {
      downstreamRemoteAddress: c.remoteAddress,
      downstreamRemotePort: c.remotePort,
      downstreamLocalAddress: c.localAddress,
      downstreamLocalPort: c.localPort,
      ...(this.upstreamHost ? { upstreamHost: this.upstreamHost } : {}),
      ...(this.cluster ? { upstreamCluster: this.cluster } : {}),
      protocol: isHttp2(this.req) ? 'HTTP/2' : `HTTP/${this.req.httpVersion}`,
      startTime: this.startTime,
      hostname: this.ctx.hostname,
      requestId: this.requestId,
      requestHeaders: this.req.headers,
    };
  }

  /** While draining, HTTP/1.1 responses close their connection (HTTP/2 connections get GOAWAY instead). */
  private withConnection(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    if (this.ctx.draining() && !isHttp2(this.req)) headers['connection'] = 'close';
    return headers;
  }

  /** Envoy's jwt_authn → istio_authn → RBAC filters (before fault and CORS): a 401/403 local reply, or on to the other filters. */
  private authorize(security: HttpSecurityModel): void {
    checkHttpSecurity(security, this.facts!, this.conn, Math.floor(Date.now() / 1000)).then(
      (d) => {
        if (this.done || responseGone(this.res)) return;
        if (d.ok) {
          applyHeaderEdits(this.req.headers, d.edits);
          return this.runFilters(0);
        }
        if (d.flag) this.flag(d.flag);
        this.body?.start();
        if (this.isGrpc) return sendGrpcReply(this.res, grpcStatusFor(d.status), d.body, this.withConnection({}));
        sendResponse(this.res, d.status, d.body, this.withConnection({ ...d.headers }));
      },
      () => this.localReply(500, 'DPE'),
    );
  }

  /** Runs the chain's fault and CORS filters from index `i`, then the router. */
  private runFilters(i: number): void {
    const filters = this.matched!.plan.filters;
    for (; i < filters.length; i++) {
      const f = filters[i]!;
      if (f.kind === 'fault') {
        const d = decideFault(f.fault, this.facts!, this.ctx.random);
        if (d.delayMs !== undefined) {
          this.flag('DI');
          const next = i + 1;
          this.delayTimer = setTimeout(() => {
            this.delayTimer = undefined;
            if (this.done || responseGone(this.res)) return;
            if (d.abort) this.faultAbort(d.abort);
            else this.runFilters(next);
          }, d.delayMs);
          return;
        }
        if (d.abort) return this.faultAbort(d.abort);
      } else {
        const d: CorsDecision = decideCors(f.policy, this.facts!.method, this.facts!.headers, this.ctx.random);
        if (d.kind === 'preflight') {
          this.body?.start();
          return sendResponse(this.res, 200, '', this.withConnection({ ...d.headers }));
        }
        if (d.kind === 'actual') this.corsHeaders = d.responseHeaders;
      }
    }
    this.route();
  }

  private faultAbort(abort: NonNullable<FaultDecision['abort']>): void {
    if (abort.httpStatus === undefined && abort.grpcStatus !== undefined) {
      this.flag('FI');
      this.body?.start();
      return sendGrpcReply(this.res, abort.grpcStatus, LOCAL_REPLY_BODIES['FI']!, this.withConnection({}));
    }
    this.localReply(abort.httpStatus ?? 503, 'FI');
  }

  /** The router filter: redirect, direct response, or forward; after Mixer's Check when one applies. */
  private route(checked = false): void {
    const check = checked ? undefined : this.ctx.policyCheck?.(this);
    if (check) {
      check.then(
        (d) => {
          if (this.done || responseGone(this.res)) return;
          if (d.allow) return this.route(true);
          this.flag(d.flag);
          this.body?.start();
          if (this.isGrpc) return sendGrpcReply(this.res, grpcStatusFor(d.status), d.body, this.withConnection({}));
          sendResponse(this.res, d.status, d.body, this.withConnection({ 'content-type': 'text/plain' }));
        },
        () => this.localReply(500, 'DPE'),
      );
      return;
    }
    const action = this.matched!.route.action;
    switch (action.kind) {
      case 'redirect':
        return this.redirect(action);
      case 'direct':
        return this.direct(action);
      case 'route':
        this.forwarder = new Forwarder(this, action);
        this.forwarder.start();
    }
  }

  private redirect(r: RedirectModel): void {
    const scheme = this.secure ? 'https' : 'http';
    const location = redirectLocation(r, this.matched!.route.match, { scheme, authority: this.authority, path: this.path });
    this.routerReply(r.status, undefined, '', { location });
  }

  private direct(d: DirectResponseModel): void {
    this.routerReply(d.status, undefined, d.body ?? '');
  }

  /** Reports the request once, when the downstream response is over. */
  complete(): void {
    if (this.done) return;
    this.done = true;
    this.unwatch?.();
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.forwarder?.cleanup();
    const { ctx, req, res } = this;
    const cluster = this.cluster;
    const selfLabels = ctx.self.labels;
    const peer = this.peer ?? (ctx.direction === 'outbound' ? labelsFromCluster(cluster) : {});
    const ua = req.headers['user-agent'];
    const info: RequestInfo = {
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
      requestBytes: this.body?.size ?? 0,
      responseBytes: this.responseBytes,
      ...(cluster ? { cluster } : {}),
      ...(this.upstreamHost ? { upstreamHost: this.upstreamHost } : {}),
      requestId: this.requestId,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      httpProtocol: isHttp2(req) ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
      downstreamRemoteAddress: `${this.conn.remoteAddress}:${this.conn.remotePort}`,
      ...(this.span ? { traceId: this.span.traceId } : {}),
      ...(this.conn.peerPrincipal ? { sourcePrincipal: this.conn.peerPrincipal } : {}),
    };
    if (this.span) ctx.tracer!.finish(this.span, info, BigInt(this.startTime.getTime()) * 1_000_000n);
    ctx.onComplete(info, this.matched?.plan.accessLogs);
  }
}

const watchers = new WeakMap<object, Set<() => void>>();

/**
 * Calls `onClose` when the socket closes; returns the cancel. One listener per socket serves every
 * request on it (cheaper than adding and removing one per request on a kept-alive connection).
 */
function watchSocket(socket: { once(event: 'close', cb: () => void): unknown }, onClose: () => void): () => void {
  let set = watchers.get(socket);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    watchers.set(socket, fresh);
    socket.once('close', () => {
      for (const cb of [...fresh]) cb();
      fresh.clear();
    });
  }
  const s = set;
  s.add(onClose);
  return () => s.delete(onClose);
}

/**
 * True when the request carries a body (RFC 9112 §6.3: Transfer-Encoding or a non-zero
 * Content-Length). An HTTP/2 request has one unless its stream already ended (END_STREAM).
 */
export function hasBody(req: DownstreamRequest): boolean {
  if (isHttp2(req)) return !req.stream.readableEnded && !(req.stream as { endAfterHeaders?: boolean }).endAfterHeaders;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}

/** Milliseconds since a high-resolution start, to 0.1 ms. */
export function elapsedMs(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e5) / 10;
}
