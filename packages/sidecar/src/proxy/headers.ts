import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers apply to one connection and are never forwarded
 * (https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1), nor are the headers the `Connection`
 * header names. `expect` is answered by the proxy itself, as Envoy does.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** A copy of the headers without hop-by-hop ones. */
export function endToEndHeaders(headers: IncomingHttpHeaders, extraDrop: readonly string[] = []): OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...extraDrop]);
  const named = headers['connection'];
  if (typeof named === 'string') for (const h of named.split(',')) drop.add(h.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !drop.has(k)) out[k] = v;
  return out;
}

/** Header values flattened for route matching (repeated headers joined with `,`, as Envoy does). */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** Appends the client address to `x-forwarded-for` (https://www.rfc-editor.org/rfc/rfc7239#section-5.2 for the idea). */
export function appendForwardedFor(existing: string | string[] | undefined, client: string | undefined): string | undefined {
  const prior = Array.isArray(existing) ? existing.join(', ') : existing;
  if (!client) return prior;
  const addr = client.startsWith('::ffff:') ? client.slice(7) : client;
  return prior ? `${prior}, ${addr}` : addr;
}
