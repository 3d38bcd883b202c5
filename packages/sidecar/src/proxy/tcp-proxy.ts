import net from 'node:net';
import type { Duplex } from 'node:stream';
import { endpointKey } from '../routing/cluster-runtime.js';
import { pickWeighted } from '../routing/load-balancing.js';
import type { TcpProxyModel } from '../routing/model.js';
import { tcpAllowed } from '../security/authz/tcp-authz.js';
import type { ConnInfo } from './downstream.js';
import type { ExchangeContext } from './exchange.js';
import { elapsedMs } from './exchange.js';
import { labelsFromCluster } from './peer-metadata.js';

/**
 * Envoy's TCP proxy (https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/tcp_proxy_filter):
 * the connection goes to a host of the (weighted) cluster; bytes are relayed both ways, half-closes
 * included, until both sides are done or nothing moved for `idle_timeout`. A host that cannot be
 * reached is retried up to `max_connect_attempts`; then the downstream is closed (flag UF; UH when
 * the cluster has no host, NC when it does not exist). An ORIGINAL_DST cluster (PassthroughCluster)
 * connects to the connection's original destination. `first` holds bytes already read from the
 * downstream (by the TLS inspector) and is sent ahead of the rest.
 */
export function proxyTcp(ctx: ExchangeContext, downstream: Duplex, tcp: TcpProxyModel, conn: ConnInfo, first: Buffer = Buffer.alloc(0)): void {
  const started = process.hrtime.bigint();
  const startTime = new Date();
  const flags: string[] = [];
  const cluster = pickWeighted(tcp.clusters, tcp.totalWeight, ctx.random).name;
  const tried = new Set<string>();
  let upstream: net.Socket | undefined;
  let upstreamHost: string | undefined;
  let sent = 0;
  let received = first.length;
  let reported = false;
  let idle: NodeJS.Timeout | undefined;
  const stat = (name: string) => ctx.stats.inc(`tcp.${tcp.statPrefix || cluster}.${name}`);
  stat('downstream_cx_total');

  const report = () => {
    if (reported) return;
    reported = true;
    if (idle) clearTimeout(idle);
    const other = ctx.direction === 'outbound' ? labelsFromCluster(cluster) : {};
    ctx.onComplete({
      direction: ctx.direction,
      source: ctx.direction === 'outbound' ? ctx.self.labels : other,
      destination: ctx.direction === 'outbound' ? other : ctx.self.labels,
      host: conn.serverName ?? '',
      method: '',
      path: '',
      protocol: 'tcp',
      status: 0,
      responseFlags: flags,
      startTime,
      durationMs: elapsedMs(started),
      requestBytes: received,
      responseBytes: sent,
      cluster,
      ...(upstreamHost ? { upstreamHost } : {}),
      requestId: '',
    });
  };
  const touch = () => {
    if (tcp.idleTimeoutMs <= 0) return;
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      stat('idle_timeout');
      downstream.destroy();
      upstream?.destroy();
    }, tcp.idleTimeoutMs);
  };
  const fail = (flag: string) => {
    flags.push(flag);
    downstream.destroy();
  };

  downstream.on('close', () => {
    upstream?.destroy();
    report();
  });
  downstream.on('error', () => downstream.destroy());
  // Hold the downstream's bytes until the upstream is connected.
  downstream.pause();
  // Envoy's network RBAC filter decides before the upstream connection is made.
  if (tcp.rbac && !tcpAllowed(tcp.rbac, conn)) {
    stat('rbac.denied');
    return fail('RBAC');
  }

  const connect = (attempt: number): void => {
    const picked = ctx.table.pick(cluster, { exclude: tried, maxAttempts: 3, ...(conn.originalDestination ? { original: { destination: conn.originalDestination } } : {}) });
    if (!picked.ok) return fail(picked.flag);
    const { endpoint, runtime } = picked;
    const key = endpointKey(endpoint);
    tried.add(key);
    upstreamHost = key;
    const socket = net.connect({ host: endpoint.address, port: endpoint.port, allowHalfOpen: true });
    upstream = socket;
    runtime.begin(key);
    let connected = false;
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), runtime.model.connectTimeoutMs);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      runtime.report(key, { kind: 'response', status: 200 });
      if (first.length > 0) socket.write(first);
      touch();
      socket.on('data', (c: Buffer) => {
        sent += c.length;
        touch();
      });
      downstream.on('data', (c: Buffer) => {
        received += c.length;
        touch();
      });
      socket.pipe(downstream);
      downstream.pipe(socket);
      downstream.resume();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      runtime.end(key);
      if (connected) {
        downstream.destroy();
        return;
      }
      runtime.report(key, { kind: 'connect-failure' });
      stat('upstream_cx_connect_fail');
      if (attempt < tcp.maxConnectAttempts && !downstream.destroyed) return connect(attempt + 1);
      // URX: the maximum connect attempts were used (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage).
      if (attempt > 1) flags.push('URX');
      fail('UF');
    });
  };
  connect(1);
}
