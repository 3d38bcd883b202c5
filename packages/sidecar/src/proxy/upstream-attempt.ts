import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { EndpointModel } from '../routing/cluster-model.js';
import type { RequestBody } from './request-body.js';

/** How an attempt failed before response headers arrived (Envoy: UF, UC, per-try UT; HTTP/2 REFUSED_STREAM). */
export type AttemptFailure = 'connect-failure' | 'reset' | 'per-try-timeout' | 'refused-stream';

/** An upstream response, whichever the protocol: status, headers (no pseudo-headers), body and trailers. */
export interface UpstreamResponse {
  readonly status: number;
  readonly statusMessage: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** True when the headers ended the stream (an HTTP/2 trailers-only response, e.g. a gRPC error). */
  readonly endOfStream: boolean;
  /** Calls back with the trailers (HTTP/2), before the body ends. */
  onTrailers(cb: (trailers: IncomingHttpHeaders) => void): void;
}

/** One upstream try in flight. */
export interface Attempt {
  start(): void;
  abort(): void;
}

/** One upstream try: where, what, and its timeouts. */
export interface AttemptSpec {
  readonly endpoint: EndpointModel;
  readonly method: string;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: RequestBody;
  readonly connectTimeoutMs: number;
  readonly perTryTimeoutMs?: number;
  /** False for a mirror: it gets the body best-effort, without slowing the primary. Default true. */
  readonly primaryBody?: boolean;
}

/** What an attempt reports: exactly one of onResponse / onFailure, then maybe onResponseError. */
export interface AttemptEvents {
  onResponse(res: UpstreamResponse): void;
  onFailure(kind: AttemptFailure): void;
  /** The response broke after its headers arrived (reset, or the per-try timeout fired). */
  onResponseError(kind: 'reset' | 'per-try-timeout'): void;
}

/**
 * One HTTP/1.1 request to one upstream host. A connection that is not made within the cluster's
 * `connect_timeout` is a connect failure; a kept-alive connection the upstream closed while idle
 * (a reset on a reused socket before any response) is tried once more on a fresh connection when
 * the body can be replayed, as a stale pooled connection is not the upstream's failure.
 */
export class H1Attempt implements Attempt {
  private request: http.ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private responded = false;
  private finished = false;
  private retriedStale = false;
  /** True once a connection to the upstream was established. */
  connected = false;

  constructor(
    private readonly spec: AttemptSpec,
    private readonly agent: http.Agent,
    private readonly events: AttemptEvents,
  ) {}

  /** Sends the request. */
  start(): void {
    if (this.spec.perTryTimeoutMs !== undefined) {
      this.timer = setTimeout(() => this.onPerTryTimeout(), this.spec.perTryTimeoutMs);
    }
    this.send();
  }

  /** Abandons the attempt (route timeout, downstream gone, or a retry replacing it). */
  abort(): void {
    this.finish();
    this.request?.destroy();
  }

  private send(): void {
    const { spec } = this;
    const req = http.request({
      host: spec.endpoint.address,
      port: spec.endpoint.port,
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      agent: this.agent,
      setHost: false,
    });
    this.request = req;
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) {
        this.connected = true;
        return;
      }
      const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), spec.connectTimeoutMs);
      // A TLS connection is made once the handshake is done: a refused certificate is a connect failure (UF), as in Envoy.
      socket.once((socket as Socket & { encrypted?: boolean }).encrypted ? 'secureConnect' : 'connect', () => {
        this.connected = true;
        clearTimeout(connectTimer);
      });
      socket.once('close', () => clearTimeout(connectTimer));
    });
    req.on('response', (res: IncomingMessage) => {
      if (this.finished) {
        res.resume();
        return;
      }
      this.responded = true;
      res.on('end', () => this.finish());
      res.on('aborted', () => this.responseError('reset'));
      res.on('error', () => this.responseError('reset'));
      this.events.onResponse({ status: res.statusCode ?? 502, statusMessage: res.statusMessage, headers: res.headers, body: res, endOfStream: false, onTrailers: () => undefined });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (this.finished) return;
      if (this.responded) return this.responseError('reset');
      if (req.reusedSocket && err.code === 'ECONNRESET' && !this.retriedStale && spec.body.replayable && spec.primaryBody !== false) {
        this.retriedStale = true;
        spec.body.detach(req);
        return this.send();
      }
      this.finish();
      this.events.onFailure(this.connected ? 'reset' : 'connect-failure');
    });
    spec.body.attach(req, spec.primaryBody !== false);
  }

  private onPerTryTimeout(): void {
    if (this.finished) return;
    if (this.responded) return this.responseError('per-try-timeout');
    this.finish();
    this.request?.destroy();
    this.events.onFailure('per-try-timeout');
  }

  private responseError(kind: 'reset' | 'per-try-timeout'): void {
    if (this.finished) return;
    this.finish();
    this.request?.destroy();
    this.events.onResponseError(kind);
  }

  private finish(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.request) this.spec.body.detach(this.request);
  }
}
