import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { DownstreamResponse } from './downstream.js';
import { responseGone } from './downstream.js';

/** Bodies of the replies the proxy sends itself, as Envoy words them (clients and tests match on them). */
export const LOCAL_REPLY_BODIES: Readonly<Record<string, string>> = {
  NR: '',
  NC: '',
  UH: 'no healthy upstream',
  UF: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  UC: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  UO: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  UT: 'upstream request timeout',
  FI: 'fault filter abort',
  DPE: 'bad request',
};

/** Sends a proxy-generated response, unless headers already went out. */
export function sendLocalReply(res: DownstreamResponse, status: number, flag: string, extraHeaders: OutgoingHttpHeaders = {}): void {
  sendResponse(res, status, LOCAL_REPLY_BODIES[flag] ?? '', extraHeaders);
}

/** Envoy's mapping of an HTTP status to a gRPC status for local replies to gRPC requests. */
export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

/**
 * A local reply to a gRPC request: HTTP 200 with the gRPC status and message
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/local_reply).
 * Over HTTP/2 they travel as trailers, which every gRPC client reads.
 */
export function sendGrpcReply(res: DownstreamResponse, grpcStatus: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || responseGone(res)) return;
  const status = { 'grpc-status': String(grpcStatus), ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}) };
  const h: OutgoingHttpHeaders = { ...headers, 'content-type': 'application/grpc' };
  const h2 = res as Http2ServerResponse;
  if (typeof h2.addTrailers === 'function' && h2.stream !== undefined) {
    h2.addTrailers(status);
    h2.writeHead(200, h);
    h2.end();
    return;
  }
  (res as ServerResponse).writeHead(200, { ...h, ...status, 'content-length': 0 });
  (res as ServerResponse).end();
}

/** Sends a complete response with a text body (content-type text/plain when there is a body). */
export function sendResponse(res: DownstreamResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || responseGone(res)) return;
  const h: OutgoingHttpHeaders = body === '' ? { ...headers } : { 'content-type': 'text/plain', ...headers };
  h['content-length'] = Buffer.byteLength(body);
  // Both HTTP/1.1 and HTTP/2 (compatibility API) responses take writeHead(status, headers).
  (res as ServerResponse).writeHead(status, h);
  (res as ServerResponse).end(body);
}
