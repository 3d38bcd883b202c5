import http from 'node:http';
import http2 from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ConnInfo } from './downstream.js';
import { connInfoOf } from './downstream.js';
import { replaySocket } from './replay-socket.js';

/** The HTTP/2 connection preface (RFC 9113 §3.4): a client speaking h2c with prior knowledge sends it first. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** What the server hands requests to. */
export interface DownstreamHandlers {
  request(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, conn: ConnInfo): void;
  /** An HTTP/1.1 request asking to switch protocols (WebSocket). */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, conn: ConnInfo): void;
  /** A request that could not be parsed (answered with 400/431/408 already). */
  clientError?(err: Error): void;
  /** Sees every new connection first; returning true means it took the connection (a TCP filter chain). */
  connection?(socket: Socket): boolean;
}

/** Limits on what clients may send and how slowly. */
export interface DownstreamLimits {
  /** Largest request head in bytes (Node's maxHeaderSize; beyond it: 431). */
  readonly maxHeaderBytes: number;
  /** Time to receive the request head (beyond it: 408). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request (0 = none; beyond it: 408). */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** Default limits (Envoy's 60 KiB header limit; Node-style head and keep-alive timeouts). */
export const DEFAULT_LIMITS: DownstreamLimits = { maxHeaderBytes: 60 * 1024, headersTimeoutMs: 30_000, requestTimeoutMs: 0, keepAliveTimeoutMs: 60_000 };

/**
 * One listening port speaking HTTP/1.1 and h2c (HTTP/2 over cleartext with prior knowledge, as
 * gRPC clients do). The first bytes of a connection decide: the HTTP/2 preface goes to the HTTP/2
 * server, anything else to the HTTP/1.1 one. Malformed, oversized and slow requests are answered
 * by Node's parser limits (400, 431, 408) and never reach the proxy.
 */
export class DownstreamServer {
  readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sessions = new Set<Http2Session>();
  private readonly sessionConn = new WeakMap<Http2Session, ConnInfo>();
  /** Connection facts of sockets handed over by {@link accept} (TLS terminated, gateway bindings). */
  private readonly given = new WeakMap<object, ConnInfo>();
  private pendingConn: ConnInfo | undefined;
  private nodeListener: (socket: Duplex) => void;

  constructor(
    private readonly handlers: DownstreamHandlers,
    limits: DownstreamLimits = DEFAULT_LIMITS,
  ) {
    this.h1 = http.createServer({
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
    });
    this.h1.on('request', (req: IncomingMessage, res: ServerResponse) => handlers.request(req, res, this.conn(req.socket)));
    this.h1.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => handlers.upgrade(req, socket, head, this.conn(socket)));
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      handlers.clientError?.(err);
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      if (inFlight && !inFlight.headersSent && socket.writable) {
        // The head was fine but the body was not (or came too slowly): answer through the response
        // the proxy already holds, so the exchange completes and reports normally.
        inFlight.writeHead(Number(status.slice(0, 3)), { connection: 'close', 'content-length': 0 });
        inFlight.end();
        inFlight.once('finish', () => socket.destroySoon());
      } else if (!inFlight && socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      else socket.destroy();
    });
    this.h2 = http2.createServer({ maxSessionMemory: 64, settings: { maxHeaderListSize: limits.maxHeaderBytes } });
    this.h2.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      if (this.pendingConn) this.sessionConn.set(session, this.pendingConn);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    this.h2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
      const conn = this.sessionConn.get(req.stream.session as Http2Session) ?? connInfoOf(req.socket as Socket);
      handlers.request(req, res, conn);
    });
    // Every connection is sniffed first: Node's own HTTP/1.1 connection handling runs after.
    this.nodeListener = this.h1.listeners('connection')[0] as (socket: Duplex) => void;
    this.h1.removeAllListeners('connection');
    this.h1.on('connection', (socket: Socket) => {
      if (handlers.connection?.(socket) === true) return;
      this.sniff(socket, limits.headersTimeoutMs);
    });
  }

  /**
   * Takes a connection accepted elsewhere (a gateway listener) with its facts: a TLS socket goes to
   * HTTP/2 when ALPN chose h2, else to HTTP/1.1; a plain one is sniffed like any other.
   */
  accept(socket: Socket | TLSSocket, conn: ConnInfo): void {
    this.given.set(socket, conn);
    const tls = socket as TLSSocket;
    if (tls.encrypted) {
      // Node's HTTP/2 session cannot sit on a TLS socket that itself wraps a JS stream: relay it.
      if (tls.alpnProtocol === 'h2') this.toHttp2(replaySocket(socket, Buffer.alloc(0)), conn);
      else this.nodeListener.call(this.h1, socket);
      return;
    }
    this.h1.emit('connection', socket);
  }

  private conn(socket: object): ConnInfo {
    return this.given.get(socket) ?? connInfoOf(socket as Socket);
  }

  /** Binds and resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.h1.once('error', onError);
      this.h1.listen(port, host, () => {
        this.h1.off('error', onError);
        resolve(this.port);
      });
    });
  }

  /** The bound port. */
  get port(): number {
    const addr = this.h1.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Stops accepting connections; resolves when every connection has closed. */
  close(): Promise<void> {
    return new Promise((resolve) => this.h1.close(() => resolve()));
  }

  /** Closes idle HTTP/1.1 connections and asks HTTP/2 clients to go away (GOAWAY). */
  closeIdle(): void {
    this.h1.closeIdleConnections();
    for (const s of this.sessions) if (!s.closed) s.close();
  }

  /** Closes every connection now. */
  closeAll(): void {
    this.h1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
  }

  private sniff(socket: Socket, timeoutMs: number): void {
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once('close', () => clearTimeout(timer));
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      const n = Math.min(chunk.length, PREFACE.length);
      if (chunk.subarray(0, n).equals(PREFACE.subarray(0, n))) return this.toHttp2(replaySocket(socket, chunk), this.conn(socket));
      socket.unshift(chunk);
      this.nodeListener.call(this.h1, socket);
      socket.resume();
    });
    socket.resume();
  }

  /** Hands a connection to the HTTP/2 server, remembering its facts for the session's requests. */
  private toHttp2(stream: Duplex, conn: ConnInfo): void {
    this.pendingConn = conn;
    try {
      this.h2.emit('connection', stream);
    } finally {
      this.pendingConn = undefined;
    }
  }
}
