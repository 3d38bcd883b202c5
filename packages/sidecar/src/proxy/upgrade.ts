import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { endpointKey } from '../routing/cluster-runtime.js';
import { parseRequestTarget } from '../routing/request-target.js';
import type { ConnInfo } from './downstream.js';
import { elapsedMs, matchRequest } from './exchange.js';
import type { ExchangeContext } from './exchange.js';
import { flatHeaders } from './headers.js';
import { LOCAL_REPLY_BODIES } from './local-reply.js';
import { labelsFromCluster, PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, takePeerMetadata } from './peer-metadata.js';

const STATUS_TEXT = http.STATUS_CODES;

/** Writes a complete HTTP/1.1 response on a raw socket (the connection is upgrading, so no ServerResponse exists) and closes it. */
function rawReply(socket: Socket, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`, 'connection: close', `content-length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function headerBlock(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage ?? ''}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    if (name.toLowerCase() === PEER_METADATA_HEADER || name.toLowerCase() === PEER_METADATA_ID_HEADER) continue;
    lines.push(`${name}: ${res.rawHeaders[i + 1]!}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * An HTTP/1.1 upgrade (WebSocket) through the proxy, as Envoy's `upgrade_configs` allow it
 * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades): the request is
 * routed like any other; if the route (or else the connection manager) enables the upgrade type,
 * it goes upstream with its Upgrade headers and, once the upstream switches protocols, bytes are
 * relayed both ways until either side closes. A disabled upgrade gets 403; routing failures get
 * Envoy's usual local replies.
 */
export function handleUpgrade(ctx: ExchangeContext, req: IncomingMessage, socket: Socket, head: Buffer, conn: ConnInfo): void {
  const started = process.hrtime.bigint();
  const startTime = new Date();
  const flags: string[] = [];
  let status = 0;
  const where: { cluster?: string; upstreamHost?: string } = {};
  let sent = 0;
  let received = head.length;
  let reported = false;
  // Only a calling sidecar may speak for the peer; an app's claim is dropped either way.
  const claimed = takePeerMetadata(req.headers);
  const peer = ctx.direction === 'inbound' ? claimed : undefined;
  const target = parseRequestTarget(req.url ?? '/', req.headers.host);
  const report = () => {
    if (reported) return;
    reported = true;
    const { cluster, upstreamHost } = where;
    const other = peer ?? (ctx.direction === 'outbound' ? labelsFromCluster(cluster) : {});
    ctx.onComplete({
      direction: ctx.direction,
      source: ctx.direction === 'outbound' ? ctx.self.labels : other,
      destination: ctx.direction === 'outbound' ? other : ctx.self.labels,
      host: target.ok ? target.authority : '',
      method: req.method ?? 'GET',
      path: target.ok ? target.path : (req.url ?? ''),
      protocol: 'http',
      status,
      responseFlags: flags,
      startTime,
      durationMs: elapsedMs(started),
      requestBytes: received,
      responseBytes: sent,
      ...(cluster ? { cluster } : {}),
      ...(upstreamHost ? { upstreamHost } : {}),
      requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : '',
    });
  };
  socket.on('close', report);
  socket.on('error', () => socket.destroy());
  const fail = (code: number, flag: string | undefined) => {
    status = code;
    if (flag) flags.push(flag);
    rawReply(socket, code, flag ? (LOCAL_REPLY_BODIES[flag] ?? '') : '');
  };
  if (!target.ok) return fail(400, 'DPE');
  const facts = { method: req.method ?? 'GET', path: target.path, authority: target.authority, headers: flatHeaders(req.headers) };
  const m = matchRequest(ctx, facts, conn, target.port);
  if (!m.ok) return fail(m.status, m.flag);
  const type = String(req.headers.upgrade ?? '').toLowerCase();
  const action = m.matched.route.action;
  if (action.kind !== 'route' || !m.matched.target) return fail(action.kind === 'direct' ? action.status : 403, undefined);
  if (m.matched.plan.upgrades.get(type) !== true) return fail(403, undefined);
  const cluster = m.matched.target.name;
  where.cluster = cluster;
  const picked = ctx.table.pick(cluster, conn.originalDestination ? { original: { destination: conn.originalDestination } } : {});
  if (!picked.ok) return fail(picked.status, picked.flag);
  const { endpoint, runtime } = picked;
  where.upstreamHost = endpointKey(endpoint);
  // The request goes up without a body: after a switch, bytes belong to the new protocol.
  const headers: OutgoingHttpHeaders = { ...req.headers, host: target.authority };
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  if (ctx.direction === 'outbound') {
    headers[PEER_METADATA_HEADER] = ctx.self.metadataHeader;
    headers[PEER_METADATA_ID_HEADER] = ctx.self.id;
  }
  const upstream = http.request({ host: endpoint.address, port: endpoint.port, method: req.method, path: target.path, headers, agent: false, setHost: false });
  let switched = false;
  // Until the upstream answers, the route timeout applies; a client that leaves ends it all.
  const timeoutMs = action.timeoutMs ?? ctx.defaultRouteTimeoutMs;
  const handshakeTimer =
    timeoutMs > 0
      ? setTimeout(() => {
          upstream.destroy();
          if (status === 0) fail(504, 'UT');
        }, timeoutMs)
      : undefined;
  socket.on('end', () => {
    if (switched) return;
    upstream.destroy();
    socket.destroy();
  });
  socket.on('close', () => clearTimeout(handshakeTimer));
  const connectTimer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), runtime.model.connectTimeoutMs);
  let connected = false;
  upstream.on('socket', (s: Socket) =>
    s.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
    }),
  );
  upstream.on('upgrade', (res: IncomingMessage, up: Socket, upHead: Buffer) => {
    clearTimeout(connectTimer);
    clearTimeout(handshakeTimer);
    switched = true;
    status = res.statusCode ?? 101;
    socket.write(headerBlock(res));
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) up.write(head);
    up.on('data', (c: Buffer) => (sent += c.length));
    socket.on('data', (c: Buffer) => (received += c.length));
    up.pipe(socket, { end: false });
    socket.pipe(up, { end: false });
    // No half-open tunnels: when either side finishes, the other is flushed and closed too.
    const closeBoth = () => {
      socket.end(() => socket.destroy());
      up.end(() => up.destroy());
    };
    up.on('end', closeBoth);
    socket.on('end', closeBoth);
    up.on('close', () => socket.destroy());
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });
  upstream.on('response', (res: IncomingMessage) => {
    // The upstream declined to switch protocols: relay its answer and close.
    clearTimeout(connectTimer);
    clearTimeout(handshakeTimer);
    status = res.statusCode ?? 502;
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () => {
      sent = Buffer.byteLength(body);
      rawReply(socket, status, body, { 'content-type': res.headers['content-type'] });
    });
  });
  upstream.on('error', () => {
    clearTimeout(connectTimer);
    clearTimeout(handshakeTimer);
    if (status === 0) fail(503, connected ? 'UC' : 'UF');
    else socket.destroy();
  });
  socket.on('close', () => upstream.destroy());
  upstream.end();
}
