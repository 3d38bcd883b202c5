import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { ClusterRuntime } from '../routing/cluster-runtime.js';
import { endpointKey } from '../routing/cluster-runtime.js';
import type { EndpointModel } from '../routing/cluster-model.js';
import { computeHash } from '../routing/hash-policy.js';
import { applyHeaderMutations } from '../routing/header-mutation.js';
import type { AttemptOutcome } from '../routing/retry.js';
import { backoffMs, isRetriable } from '../routing/retry.js';
import { rewritePath } from '../routing/rewrite.js';
import type { RetryPolicyModel, RouteActionModel } from '../routing/route-model.js';
import type { OriginalPick } from '../routing/cluster-runtime.js';
import type { Exchange } from './exchange.js';
import { elapsedMs } from './exchange.js';
import { grpcTimeoutMs } from './grpc-timeout.js';
import { appendForwardedFor, endToEndHeaders, flatHeaders } from './headers.js';
import { sendMirror } from './mirror.js';
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, takePeerMetadata } from './peer-metadata.js';
import { isHttp2, responseGone } from './downstream.js';
import { H2Attempt } from './h2-attempt.js';
import type { Attempt, AttemptFailure, AttemptSpec, UpstreamResponse } from './upstream-attempt.js';
import { H1Attempt } from './upstream-attempt.js';
import type { PoolTicket, Priority, UpstreamConnector, UpstreamProtocol } from './upstream-pool.js';

/**
 * The router's forwarding for one request (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter):
 * builds the upstream request (rewrites, header mutations, hash), starts the route timeout
 * (it spans every attempt) and mirrors, then makes attempts: pick a host, pass the circuit
 * breakers, send, and on a retriable outcome try again after a jittered back-off while retries,
 * the retry budget (`max_retries`) and the replay buffer allow. The last outcome becomes the
 * response: the upstream's, or 503 UF / UC / UO / UH, 504 UT, with URX when retries ran out.
 */
export class Forwarder {
  private readonly retry: RetryPolicyModel | undefined;
  private readonly priority: Priority;
  private readonly cluster: string;
  private headers: OutgoingHttpHeaders = {};
  private path = '/';
  private hash: number | undefined;
  private setCookie: string | undefined;
  private attempts = 0;
  private readonly tried = new Set<string>();
  private attempt: Attempt | undefined;
  private ticket: PoolTicket | undefined;
  private current: { runtime: ClusterRuntime; key: string } | undefined;
  private retryHeld = false;
  private routeTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private over = false;

  constructor(
    private readonly ex: Exchange,
    private readonly action: RouteActionModel,
  ) {
    this.retry = ex.matched!.plan.retry;
    this.priority = action.priority ?? 'DEFAULT';
    this.cluster = ex.matched!.target!.name;
  }

  /** Prepares the upstream request and makes the first attempt. */
  start(): void {
    const { ex, action } = this;
    this.headers = this.requestHeaders();
    this.path = action.prefixRewrite !== undefined || action.regexRewrite ? rewritePath(ex.path, ex.matched!.route.match, action) : ex.path;
    if (action.hashPolicy) {
      const c = ex.conn;
      const h = computeHash(action.hashPolicy, { path: ex.path, headers: ex.facts!.headers, sourceIp: c.remoteAddress, downstreamAddress: `${c.remoteAddress}:${c.remotePort}` });
      this.hash = h.hash;
      this.setCookie = h.setCookie;
    }
    const timeoutMs = this.timeoutMs();
    if (timeoutMs > 0) this.routeTimer = setTimeout(() => this.onRouteTimeout(), timeoutMs);
    for (const m of action.mirrors ?? []) {
      if (m.fraction >= 1 || ex.ctx.random() < m.fraction) {
        sendMirror({ table: ex.ctx.table, pool: ex.ctx.pool, stats: ex.ctx.stats, cluster: m.cluster, method: ex.req.method ?? 'GET', path: this.path, headers: this.headers, body: ex.body!, timeoutMs });
      }
    }
    this.tryOnce();
  }

  /** The downstream went away: stop everything in flight. */
  abort(): void {
    this.over = true;
    this.attempt?.abort();
    this.endAttempt();
    this.cleanup();
  }

  /** Clears timers once the exchange is over. */
  cleanup(): void {
    if (this.routeTimer) clearTimeout(this.routeTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.routeTimer = undefined;
    this.backoffTimer = undefined;
    if (this.retryHeld && !this.attempt) this.releaseRetry();
  }

  /** Envoy's route timeout (default 15 s; 0 disables), or the gRPC deadline when `max_grpc_timeout` allows it. */
  private timeoutMs(): number {
    const a = this.action;
    let t = a.timeoutMs ?? this.ex.ctx.defaultRouteTimeoutMs;
    if (a.maxGrpcTimeoutMs !== undefined) {
      const grpc = grpcTimeoutMs(this.ex.facts!.headers['grpc-timeout']);
      if (grpc !== undefined) {
        t = a.maxGrpcTimeoutMs > 0 ? Math.min(grpc, a.maxGrpcTimeoutMs) : grpc;
        if (a.grpcTimeoutOffsetMs) t = Math.max(1, t - a.grpcTimeoutOffsetMs);
      }
    }
    return t;
  }

  private requestHeaders(): OutgoingHttpHeaders {
    const { ex, action } = this;
    const { req, ctx } = ex;
    const target = ex.matched!.target!;
    const plan = ex.matched!.plan;
    const headers = endToEndHeaders(req.headers, ['expect']);
    headers['host'] = ex.authority;
    headers['x-request-id'] = ex.requestId;
    // Envoy appends the peer to x-forwarded-for only with use_remote_address (gateways), never on
    // sidecar hops (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-for).
    if (plan.useRemoteAddress && !plan.skipXffAppend) {
      const xff = appendForwardedFor(req.headers['x-forwarded-for'], ex.conn.remoteAddress);
      if (xff) headers['x-forwarded-for'] = xff;
    }
    if (plan.useRemoteAddress || headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = ex.conn.encrypted ? 'https' : 'http';
    if (ctx.direction === 'outbound') {
      headers[PEER_METADATA_HEADER] = ctx.self.metadataHeader;
      headers[PEER_METADATA_ID_HEADER] = ctx.self.id;
    }
    if (ex.span) ctx.tracer!.inject(headers, ex.span);
    const levels = target.headerOps ? (plan.mostSpecificWins ? [...plan.requestMutations, target.headerOps.request] : [target.headerOps.request, ...plan.requestMutations]) : plan.requestMutations;
    if (levels.length > 0) applyHeaderMutations(headers, levels, ex.formatContext());
    const fromHeader = action.hostRewriteHeader ? req.headers[action.hostRewriteHeader] : undefined;
    const host = target.hostRewrite ?? action.hostRewrite ?? (typeof fromHeader === 'string' && fromHeader ? fromHeader : undefined);
    if (host) headers['host'] = host;
    return headers;
  }

  private tryOnce(): void {
    if (this.over) return;
    this.attempts++;
    const { ex } = this;
    // Only ORIGINAL_DST clusters read the original destination: nothing is built for the others (the request path).
    const original = ex.ctx.table.clusterModel(this.cluster)?.type === 'ORIGINAL_DST' ? originalPick(ex) : undefined;
    const picked = ex.ctx.table.pick(
      this.cluster,
      {
        ...(this.hash !== undefined ? { hash: this.hash } : {}),
        ...(this.retry?.previousHosts ? { exclude: this.tried, maxAttempts: this.retry.hostSelectionMaxAttempts } : {}),
        ...(original ? { original } : {}),
      },
      this.action.clusterNotFoundStatus,
    );
    if (!picked.ok) return this.finalReply(picked.status, picked.flag);
    const { endpoint, runtime } = picked;
    const key = endpointKey(endpoint);
    this.tried.add(key);
    ex.upstreamHost = key;
    const ticket = ex.ctx.pool.acquire(runtime.model, endpoint, this.priority, this.protocol(runtime), (connector) => this.send(connector, endpoint, runtime, key));
    if (typeof ticket === 'string') {
      ex.ctx.stats.inc(`cluster.${this.cluster}.${ticket}`);
      this.releaseRetry();
      return this.finalReply(503, 'UO');
    }
    this.ticket = ticket;
    if (this.over) this.endAttempt();
  }

  /** HTTP/2 when the cluster says so (or follows a downstream that speaks it), else HTTP/1.1. */
  private protocol(runtime: ClusterRuntime): UpstreamProtocol {
    const p = runtime.model.http?.protocol;
    return p === 'http2' || (p === 'downstream' && isHttp2(this.ex.req)) ? 'http2' : 'http1';
  }

  private send(connector: UpstreamConnector, endpoint: EndpointModel, runtime: ClusterRuntime, key: string): void {
    if (this.over) return;
    runtime.begin(key);
    this.current = { runtime, key };
    const { ex } = this;
    const headers = ex.matched!.plan.includeAttemptCount ? { ...this.headers, 'x-envoy-attempt-count': String(this.attempts) } : { ...this.headers };
    if (this.action.autoHostRewrite && endpoint.hostname) headers['host'] = endpoint.hostname;
    const upstreamStart = process.hrtime.bigint();
    const spec: AttemptSpec = {
      endpoint,
      method: ex.req.method ?? 'GET',
      path: this.path,
      headers,
      body: ex.body!,
      connectTimeoutMs: runtime.model.connectTimeoutMs,
      ...(this.retry?.perTryTimeoutMs !== undefined ? { perTryTimeoutMs: this.retry.perTryTimeoutMs } : {}),
    };
    const events = {
      onResponse: (res: UpstreamResponse) => this.onResponse(res, runtime, key, upstreamStart),
      onFailure: (kind: AttemptFailure) => this.onFailure(kind, runtime, key),
      onResponseError: (kind: 'reset' | 'per-try-timeout') => {
        ex.flag(kind === 'reset' ? 'UR' : 'UT');
        this.endAttempt();
        ex.res.destroy();
      },
    };
    const attempt = connector.protocol === 'http2' ? new H2Attempt(spec, connector.session, connector.connected, events) : new H1Attempt(spec, connector.agent, events);
    this.attempt = attempt;
    attempt.start();
  }

  private endAttempt(): void {
    if (this.current) this.current.runtime.end(this.current.key);
    this.current = undefined;
    this.ticket?.release();
    this.ticket = undefined;
    this.attempt = undefined;
    this.releaseRetry();
  }

  private releaseRetry(): void {
    if (!this.retryHeld) return;
    this.retryHeld = false;
    this.ex.ctx.pool.retryDone(this.cluster, this.priority);
  }

  private onResponse(res: UpstreamResponse, runtime: ClusterRuntime, key: string, upstreamStart: bigint): void {
    const { ex } = this;
    const status = res.status;
    runtime.report(key, { kind: 'response', status });
    if (this.retryable({ kind: 'response', status, headers: flatHeaders(res.headers) })) {
      res.body.resume();
      this.attempt?.abort();
      this.endAttempt();
      return this.scheduleRetry();
    }
    if (ex.res.headersSent || responseGone(ex.res) || this.over) {
      res.body.resume();
      return;
    }
    const headers: OutgoingHttpHeaders = endToEndHeaders(res.headers);
    if (ex.ctx.direction === 'outbound') ex.peer = takePeerMetadata(headers);
    else {
      takePeerMetadata(headers);
      // Answer the exchange only to a sidecar that started it; plain clients learn nothing.
      if (ex.peer) {
        headers[PEER_METADATA_HEADER] = ex.ctx.self.metadataHeader;
        headers[PEER_METADATA_ID_HEADER] = ex.ctx.self.id;
      }
    }
    headers['x-envoy-upstream-service-time'] = String(Math.round(elapsedMs(upstreamStart)));
    if (this.setCookie) headers['set-cookie'] = [...toList(headers['set-cookie']), this.setCookie];
    if (ex.matched!.plan.includeAttemptCountInResponse) headers['x-envoy-attempt-count'] = String(this.attempts);
    const out = ex.routerResponseHeaders(headers);
    if (isHttp2(ex.req)) {
      const h2res = ex.res as Http2ServerResponse;
      // A trailers-only gRPC response is sent as headers plus trailers, which gRPC accepts alike
      // (Node's compatibility API cannot end a stream with its headers).
      if (res.endOfStream && out['grpc-status'] !== undefined) h2res.addTrailers(takeGrpcStatus(out));
      h2res.writeHead(status, out);
      // gRPC status travels in trailers: pass them on (HTTP/1.1 downstreams cannot carry them).
      res.onTrailers((t: IncomingHttpHeaders) => h2res.addTrailers(t as Record<string, string>));
    } else (ex.res as ServerResponse).writeHead(status, res.statusMessage, out);
    res.body.on('data', (chunk: Buffer) => (ex.responseBytes += chunk.length));
    res.body.on('end', () => {
      this.endAttempt();
      this.cleanup();
    });
    res.body.pipe(ex.res as NodeJS.WritableStream);
  }

  private onFailure(kind: AttemptFailure, runtime: ClusterRuntime, key: string): void {
    runtime.report(key, { kind: kind === 'per-try-timeout' ? 'timeout' : kind === 'refused-stream' ? 'reset' : kind });
    this.endAttempt();
    if (kind === 'per-try-timeout') this.ex.ctx.stats.inc(`cluster.${this.cluster}.upstream_rq_per_try_timeout`);
    const outcome: AttemptOutcome = { kind };
    if (this.retryable(outcome)) return this.scheduleRetry();
    if (kind === 'per-try-timeout') this.finalReply(504, 'UT');
    else this.finalReply(503, kind === 'connect-failure' ? 'UF' : kind === 'refused-stream' ? 'UR' : 'UC');
  }

  /** True when the outcome is retried: retriable by policy, retries left, body replayable, budget available. */
  private retryable(outcome: AttemptOutcome): boolean {
    const p = this.retry;
    const { ex } = this;
    if (!p || this.over || this.timedOut || ex.finished || !isRetriable(p, outcome)) return false;
    const stats = ex.ctx.stats;
    if (this.attempts > p.numRetries) {
      ex.flag('URX');
      stats.inc(`cluster.${this.cluster}.upstream_rq_retry_limit_exceeded`);
      return false;
    }
    if (!ex.body!.replayable) {
      stats.inc(`cluster.${this.cluster}.retry_or_shadow_abandoned`);
      return false;
    }
    const model = ex.ctx.table.clusterModel(this.cluster);
    if (!model || !ex.ctx.pool.tryRetry(model, this.priority)) {
      ex.flag('UO');
      stats.inc(`cluster.${this.cluster}.upstream_rq_retry_overflow`);
      return false;
    }
    this.retryHeld = true;
    stats.inc(`cluster.${this.cluster}.upstream_rq_retry`);
    return true;
  }

  private scheduleRetry(): void {
    const delay = backoffMs(this.retry!, this.attempts, this.ex.ctx.random);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.tryOnce();
    }, delay);
  }

  private onRouteTimeout(): void {
    this.routeTimer = undefined;
    this.timedOut = true;
    const { ex } = this;
    ex.ctx.stats.inc(`cluster.${this.cluster}.upstream_rq_timeout`);
    ex.flag('UT');
    this.attempt?.abort();
    this.endAttempt();
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (ex.res.headersSent) ex.res.destroy();
    else this.finalReply(504, 'UT');
  }

  private finalReply(status: number, flag: string): void {
    this.over = true;
    this.cleanup();
    this.ex.routerReply(status, flag);
  }
}

/** Moves the gRPC status headers out of a header map, into a trailer map. */
function takeGrpcStatus(headers: OutgoingHttpHeaders): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const k of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
    if (headers[k] !== undefined) trailers[k] = String(headers[k]);
    delete headers[k];
  }
  return trailers;
}

function toList(v: OutgoingHttpHeaders[string]): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** What an ORIGINAL_DST cluster needs from a request: its connection's original destination and its headers. */
function originalPick(ex: Exchange): OriginalPick {
  const header = (name: string): string | undefined => {
    const v = ex.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return { ...(ex.conn.originalDestination ? { destination: ex.conn.originalDestination } : {}), header };
}
