import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers apply to one connection and are never forwarded
 * (https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1), nor are the headers the `Connection`
 * header names, nor HTTP/2 pseudo-headers (`:path`, ...), which each hop sets itself. `TE` survives
 * only as `TE: trailers`, which gRPC needs end to end (as in Envoy). `expect` is answered by the
 * proxy itself, as Envoy does.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** A copy of the headers without hop-by-hop ones. */
export function endToEndHeaders(headers: IncomingHttpHeaders, extraDrop: readonly string[] = []): OutgoingHttpHeaders {
  const named = headers['connection'];
  const drop = extraDrop.length > 0 || typeof named === 'string' ? new Set([...HOP_BY_HOP, ...extraDrop]) : HOP_BY_HOP;
  if (typeof named === 'string') for (const h of named.split(',')) (drop as Set<string>).add(h.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || drop.has(k) || k.charCodeAt(0) === 58 /* ':' */) continue;
    out[k] = v;
  }
  const te = headers['te'];
  if (typeof te === 'string' && /(^|,)\s*trailers\s*(;|,|$)/i.test(te)) out['te'] = 'trailers';
  return out;
}

/** Header values flattened for route matching (repeated headers joined with `,`, as Envoy does; pseudo-headers left out). */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k in headers) {
    if (k.charCodeAt(0) === 58) continue;
    const v = headers[k];
    out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/** Appends the client address to `x-forwarded-for` (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-for). */
export function appendForwardedFor(existing: string | string[] | undefined, client: string | undefined): string | undefined {
  const prior = Array.isArray(existing) ? existing.join(', ') : existing;
  if (!client) return prior;
  const addr = client.startsWith('::ffff:') ? client.slice(7) : client;
  return prior ? `${prior}, ${addr}` : addr;
}
