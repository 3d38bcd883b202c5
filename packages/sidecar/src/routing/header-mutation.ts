import type { HeaderFormatPart, HeaderMutationsModel } from './route-model.js';

/** Header maps as Node's HTTP API holds them (lowercase names). */
export type HeaderMap = Record<string, string | string[] | number | undefined>;

/** What `%COMMAND%` substitutions in header values read. */
export interface HeaderFormatContext {
  readonly downstreamRemoteAddress: string;
  readonly downstreamRemotePort: number;
  readonly downstreamLocalAddress: string;
  readonly downstreamLocalPort: number;
  /** `address:port` of the upstream host (response headers only). */
  readonly upstreamHost?: string;
  readonly upstreamCluster?: string;
  readonly protocol: string;
  readonly startTime: Date;
  readonly hostname: string;
  readonly requestId: string;
  readonly requestHeaders: HeaderMap;
}

function joinAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function command(part: { command: string; arg?: string }, ctx: HeaderFormatContext): string {
  switch (part.command) {
    case 'DOWNSTREAM_REMOTE_ADDRESS':
    case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS':
      return joinAddress(ctx.downstreamRemoteAddress, ctx.downstreamRemotePort);
    case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
    case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT':
      return ctx.downstreamRemoteAddress;
    case 'DOWNSTREAM_LOCAL_ADDRESS':
      return joinAddress(ctx.downstreamLocalAddress, ctx.downstreamLocalPort);
    case 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT':
      return ctx.downstreamLocalAddress;
    case 'DOWNSTREAM_LOCAL_PORT':
      return String(ctx.downstreamLocalPort);
    case 'UPSTREAM_REMOTE_ADDRESS':
      return ctx.upstreamHost ?? '';
    case 'UPSTREAM_CLUSTER':
      return ctx.upstreamCluster ?? '';
    case 'HOSTNAME':
      return ctx.hostname;
    case 'PROTOCOL':
      return ctx.protocol;
    case 'START_TIME':
      return ctx.startTime.toISOString();
    case 'REQUEST_ID':
      return ctx.requestId;
    case 'REQ': {
      const v = ctx.requestHeaders[(part.arg ?? '').split('?')[0]!.toLowerCase()];
      return Array.isArray(v) ? v.join(',') : v === undefined ? '' : String(v);
    }
    default:
      return '';
  }
}

/** A header value with its substitutions filled in. */
export function formatHeaderValue(parts: readonly HeaderFormatPart[], ctx: HeaderFormatContext): string {
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : command(p, ctx);
  return out;
}

/**
 * Applies header mutations level by level, in the order given; within a level removals come
 * first, then additions by their append action
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers).
 */
export function applyHeaderMutations(headers: HeaderMap, levels: readonly HeaderMutationsModel[], ctx: HeaderFormatContext): void {
  for (const level of levels) {
    for (const name of level.remove) delete headers[name];
    for (const a of level.add) {
      const value = formatHeaderValue(a.value, ctx);
      if (value === '' && !a.keepEmpty) continue;
      const existing = headers[a.name];
      switch (a.action) {
        case 'append':
          headers[a.name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value];
          break;
        case 'add-if-absent':
          if (existing === undefined) headers[a.name] = value;
          break;
        case 'overwrite':
          headers[a.name] = value;
          break;
        case 'overwrite-if-exists':
          if (existing !== undefined) headers[a.name] = value;
          break;
      }
    }
  }
}
