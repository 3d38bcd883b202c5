import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { PeerCertificateInfo } from '../security/tls/peer-identity.js';

/** A downstream request: HTTP/1.1 or HTTP/2 (Node's compatibility API). */
export type DownstreamRequest = IncomingMessage | Http2ServerRequest;

/** A downstream response: HTTP/1.1 or HTTP/2. */
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** The downstream connection's addresses and whether it is TLS. */
export interface ConnInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  /** TLS SNI, when the connection is TLS. */
  readonly serverName?: string;
  /** The listener and filter chain that took the connection (gateway listeners). */
  readonly binding?: { readonly listener: string; readonly chain: number };
  /**
   * The authenticated peer of an mTLS connection as Istio's `source.principal`
   * (`cluster.local/ns/<ns>/sa/<sa>`, the client certificate's SPIFFE ID without `spiffe://`).
   */
  readonly peerPrincipal?: string;
  /** The verified client certificate of an mTLS connection. */
  readonly peerCertificate?: PeerCertificateInfo;
  /**
   * Where the app was connecting before iptables redirected the connection to the sidecar
   * (SO_ORIGINAL_DST); only set for redirected connections. ORIGINAL_DST clusters forward here.
   */
  readonly originalDestination?: { readonly address: string; readonly port: number };
}

/** An IPv4-mapped IPv6 address as plain IPv4. */
export function unmapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** Connection facts of a Node socket. */
export function connInfoOf(socket: Socket): ConnInfo {
  const tls = socket as Socket & { encrypted?: boolean; servername?: string | false };
  return {
    remoteAddress: unmapped(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    localAddress: unmapped(socket.localAddress ?? ''),
    localPort: socket.localPort ?? 0,
    encrypted: tls.encrypted === true,
    ...(typeof tls.servername === 'string' && tls.servername ? { serverName: tls.servername } : {}),
  };
}

/** True when the request came over HTTP/2 (an HTTP/1 request line may claim `HTTP/2.0`: the stream decides). */
export function isHttp2(req: DownstreamRequest): req is Http2ServerRequest {
  return (req as Http2ServerRequest).stream !== undefined;
}

/** The request's authority: `:authority` in HTTP/2, `Host` in HTTP/1.1. */
export function authorityOf(req: DownstreamRequest): string | undefined {
  const a = req.headers[':authority'] ?? req.headers.host;
  return typeof a === 'string' && a ? a : undefined;
}

/** True when the response can no longer be written. */
export function responseGone(res: DownstreamResponse): boolean {
  const r = res as { destroyed?: boolean; stream?: { destroyed: boolean } };
  return r.destroyed === true || r.stream?.destroyed === true;
}
