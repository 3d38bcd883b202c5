import http from 'node:http';
import type { ClientRequestArgs } from 'node:http';
import http2 from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClusterModel, EndpointModel, ThresholdsModel } from '../routing/cluster-model.js';
import { DEFAULT_THRESHOLDS } from '../routing/cluster-model.js';
import { endpointKey } from '../routing/cluster-runtime.js';
import type { UpstreamTlsModel } from '../routing/tls-model.js';
import { connectUpstreamTls, upstreamTlsFor, upstreamTlsSignature } from '../security/tls/upstream-tls.js';
import type { TlsSecrets } from '../security/tls/tls-secrets.js';

/** Routing priority of a request (`RouteAction.priority`): each has its own thresholds and pools. */
export type Priority = 'DEFAULT' | 'HIGH';

/** Why a circuit breaker refused a request (Envoy stat suffixes). */
export type OverflowReason = 'upstream_rq_pending_overflow' | 'upstream_rq_overflow';

/** The protocol spoken to an upstream (the cluster's HTTP options, or the downstream's). */
export type UpstreamProtocol = 'http1' | 'http2';

/** How an admitted request reaches its endpoint: an HTTP/1.1 agent, or an HTTP/2 session to open a stream on. */
export type UpstreamConnector =
  | { readonly protocol: 'http1'; readonly agent: http.Agent }
  | { readonly protocol: 'http2'; readonly session: ClientHttp2Session; readonly connected: () => boolean };

/** A request admitted by the circuit breakers: `release()` when it ends; `cancel()` while still pending. */
export interface PoolTicket {
  release(): void;
  cancel(): void;
}

interface Pending {
  readonly pool: EndpointPool;
  readonly protocol: UpstreamProtocol;
  readonly onReady: (connector: UpstreamConnector) => void;
  dispatched: boolean;
  cancelled: boolean;
}

/**
 * The circuit-breaker state of one cluster at one priority
 * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking):
 * connections open, requests active, requests waiting for a connection, retries in flight.
 */
class Circuit {
  connections = 0;
  active = 0;
  retries = 0;
  readonly pending: Pending[] = [];
  thresholds: ThresholdsModel = DEFAULT_THRESHOLDS;
  maxRequestsPerConnection: number | undefined;
  idleTimeoutMs = 3_600_000;
  connectTimeoutMs = 5000;
  readonly pools = new Map<string, EndpointPool>();
}

const requestsOnSocket = new WeakMap<Duplex, number>();

/**
 * An `http.Agent` per (cluster, priority, endpoint) that counts its connections against the
 * cluster's `max_connections`, closes a connection after `max_requests_per_connection`
 * requests, and closes idle ones after the cluster's `idle_timeout`.
 */
class PoolAgent extends http.Agent {
  constructor(
    private readonly circuit: Circuit,
    private readonly onClose: () => void,
    private readonly tls: { readonly model: UpstreamTlsModel; readonly secrets: TlsSecrets | undefined } | undefined,
  ) {
    // LIFO reuses the most recently used socket, so idle sockets age out instead of going stale.
    super({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 256 });
  }

  override createConnection(options: ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex {
    let socket: net.Socket;
    if (this.tls) {
      try {
        socket = connectUpstreamTls({ address: String(options.host), port: Number(options.port) }, this.tls.model, this.tls.secrets);
      } catch (err) {
        // No certificate yet: the request fails as a connection failure (503 UF), as Envoy's does while SDS warms.
        cb?.(err as Error, undefined as unknown as Duplex);
        return undefined as unknown as Duplex;
      }
    } else socket = net.createConnection(options as net.NetConnectOpts);
    this.circuit.connections++;
    requestsOnSocket.set(socket, 1);
    socket.once('close', () => {
      this.circuit.connections--;
      this.onClose();
    });
    return socket;
  }

  override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
    requestsOnSocket.set(socket, (requestsOnSocket.get(socket) ?? 0) + 1);
    super.reuseSocket(socket, request);
  }

  /**
   * Node's keep-alive bookkeeping, with the cluster's `idle_timeout` as the socket timeout: the
   * agent destroys a free socket whose timeout fires, and an active one ignores it (inactivity
   * resets it anyway). A server's `Keep-Alive: timeout=N` hint shortens it, so the proxy closes
   * first and never reuses a connection the server is closing. The timer is only touched when the
   * value changes, not on every request.
   */
  override keepSocketAlive(socket: Duplex): boolean {
    const max = this.circuit.maxRequestsPerConnection;
    if (max !== undefined && (requestsOnSocket.get(socket) ?? 0) >= max) return false;
    const s = socket as net.Socket & { _httpMessage?: { res?: { headers: http.IncomingHttpHeaders } } };
    s.setKeepAlive(true, (this as unknown as { keepAliveMsecs?: number }).keepAliveMsecs ?? 1000);
    s.unref();
    let timeout = this.circuit.idleTimeoutMs;
    const hint = s._httpMessage?.res?.headers['keep-alive'];
    if (typeof hint === 'string') {
      const m = /timeout=(\d+)/.exec(hint);
      const serverMs = m ? Number(m[1]) * 1000 - 1000 : 0;
      if (serverMs > 0 && (timeout === 0 || serverMs < timeout)) timeout = serverMs;
    }
    if (s.timeout !== timeout) s.setTimeout(timeout);
    return true;
  }

  /** True when a kept-alive connection is free for the next request. */
  get hasFreeSocket(): boolean {
    for (const list of Object.values(this.freeSockets)) if ((list?.length ?? 0) > 0) return true;
    return false;
  }

  /** True when a request is on one of its connections. */
  get busy(): boolean {
    return Object.values(this.sockets).some((s) => (s?.length ?? 0) > 0) || Object.values(this.requests).some((r) => (r?.length ?? 0) > 0);
  }
}

/** One HTTP/2 connection to an endpoint, multiplexing streams. */
interface H2Connection {
  readonly session: ClientHttp2Session;
  connected: boolean;
  streams: number;
  served: number;
  /** No new streams (max_requests_per_connection reached, or GOAWAY): closes once idle. */
  draining: boolean;
}

class EndpointPool {
  h2: H2Connection | undefined;

  constructor(
    readonly key: string,
    readonly endpoint: EndpointModel,
    readonly agent: PoolAgent,
    /** mTLS / TLS to this endpoint (undefined = plaintext). */
    readonly tls: UpstreamTlsModel | undefined,
  ) {}

  /** An HTTP/2 connection that takes new streams. */
  usableH2(): H2Connection | undefined {
    const c = this.h2;
    return c && !c.draining && !c.session.closed && !c.session.destroyed ? c : undefined;
  }

  get busy(): boolean {
    return this.agent.busy || (this.h2?.streams ?? 0) > 0;
  }
}

/**
 * Upstream connection pools (HTTP/1.1 keep-alive agents; one multiplexed HTTP/2 connection per
 * endpoint) with Envoy's circuit breakers. A request is admitted when
 * the cluster is under `max_requests`; it gets a free kept-alive connection, or a new one while
 * the cluster is under `max_connections`, or waits while under `max_pending_requests`; beyond
 * that it overflows (the proxy answers 503 with flag UO). Retries are admitted under `max_retries`.
 */
export class UpstreamPool {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly onStat: (cluster: string, stat: string) => void = () => undefined,
    /** The agent's certificates for upstream mTLS (SDS `default` / `ROOTCA`); without it TLS clusters fail to connect. */
    private readonly secrets?: TlsSecrets,
  ) {}

  /** Whether the sidecar can present a certificate now (a pool built without secrets is assumed to). */
  private get certified(): boolean {
    return this.secrets === undefined || this.secrets.identity !== undefined;
  }

  /**
   * Admits a request to an endpoint: `onReady` gets the agent to send it with, now or once a
   * connection is available. Returns the ticket, or the overflow reason.
   */
  acquire(cluster: ClusterModel, endpoint: EndpointModel, priority: Priority, protocol: UpstreamProtocol, onReady: (connector: UpstreamConnector) => void): PoolTicket | OverflowReason {
    const circuit = this.circuit(cluster, priority);
    if (circuit.active >= circuit.thresholds.maxRequests) return 'upstream_rq_overflow';
    const pool = this.endpointPool(circuit, cluster, endpoint);
    const admitNow = this.hasCapacity(circuit, pool, protocol);
    if (!admitNow) {
      if (circuit.pending.length >= circuit.thresholds.maxPendingRequests) return 'upstream_rq_pending_overflow';
      this.onStat(cluster.name, 'upstream_cx_overflow');
    }
    let released = false;
    const entry: Pending = { pool, protocol, onReady, dispatched: false, cancelled: false };
    const ticket: PoolTicket = {
      release: () => {
        if (released) return;
        released = true;
        if (entry.dispatched) {
          circuit.active--;
          if (protocol === 'http2') this.streamDone(pool);
        } else {
          entry.cancelled = true;
          const i = circuit.pending.indexOf(entry);
          if (i >= 0) circuit.pending.splice(i, 1);
        }
        this.dispatchPending(circuit);
      },
      cancel: () => ticket.release(),
    };
    if (admitNow) this.dispatch(circuit, entry);
    else {
      this.onStat(cluster.name, 'upstream_rq_pending_total');
      circuit.pending.push(entry);
    }
    return ticket;
  }

  /** Admits a retry under the cluster's `max_retries`; false means retry overflow (flag UO). */
  tryRetry(cluster: ClusterModel, priority: Priority): boolean {
    const circuit = this.circuit(cluster, priority);
    if (circuit.retries >= circuit.thresholds.maxRetries) return false;
    circuit.retries++;
    return true;
  }

  /** A retry admitted by {@link tryRetry} finished. */
  retryDone(cluster: string, priority: Priority): void {
    const c = this.circuits.get(`${cluster}|${priority}`);
    if (c && c.retries > 0) c.retries--;
  }

  /** Requests active and pending, connections open (for tests and stats). */
  usage(cluster: string, priority: Priority = 'DEFAULT'): { active: number; pending: number; connections: number; retries: number } {
    const c = this.circuits.get(`${cluster}|${priority}`);
    return { active: c?.active ?? 0, pending: c?.pending.length ?? 0, connections: c?.connections ?? 0, retries: c?.retries ?? 0 };
  }

  /** Applies new cluster settings and drops idle pools of endpoints and clusters that are gone. */
  prune(clusters: ReadonlyMap<string, { model: ClusterModel; endpoints: readonly EndpointModel[] }>): void {
    for (const [key, circuit] of this.circuits) {
      const name = key.slice(0, key.lastIndexOf('|'));
      const c = clusters.get(name);
      if (c) this.configure(circuit, c.model, key.endsWith('|HIGH') ? 'HIGH' : 'DEFAULT');
      const keep = new Set((c?.endpoints ?? []).map((ep) => poolKey(c!.model, ep, this.certified)));
      for (const [ep, pool] of circuit.pools) {
        if (keep.has(ep) || pool.busy) continue;
        pool.agent.destroy();
        pool.h2?.session.close();
        circuit.pools.delete(ep);
      }
      if (!c && circuit.pools.size === 0 && circuit.pending.length === 0) this.circuits.delete(key);
      else this.dispatchPending(circuit);
    }
  }

  /** Number of endpoint pools (for tests). */
  get size(): number {
    let n = 0;
    for (const c of this.circuits.values()) n += c.pools.size;
    return n;
  }

  /** Closes every pooled connection. */
  destroy(): void {
    for (const c of this.circuits.values()) {
      for (const p of c.pools.values()) {
        p.agent.destroy();
        p.h2?.session.destroy();
      }
    }
    this.circuits.clear();
  }

  private circuit(cluster: ClusterModel, priority: Priority): Circuit {
    const key = `${cluster.name}|${priority}`;
    let c = this.circuits.get(key);
    if (!c) {
      c = new Circuit();
      this.configure(c, cluster, priority);
      this.circuits.set(key, c);
    }
    return c;
  }

  private configure(c: Circuit, cluster: ClusterModel, priority: Priority): void {
    c.thresholds = cluster.thresholds?.[priority] ?? DEFAULT_THRESHOLDS;
    c.maxRequestsPerConnection = cluster.http?.maxRequestsPerConnection;
    c.idleTimeoutMs = cluster.http?.idleTimeoutMs ?? 3_600_000;
    c.connectTimeoutMs = cluster.connectTimeoutMs;
  }

  /** The pool of an endpoint with the transport the cluster gives it: a change of transport (mTLS on or off) gets a new pool. */
  private endpointPool(circuit: Circuit, cluster: ClusterModel, endpoint: EndpointModel): EndpointPool {
    const key = poolKey(cluster, endpoint, this.certified);
    let pool = circuit.pools.get(key);
    if (!pool) {
      const tls = upstreamTlsFor(cluster, endpoint, this.certified);
      const agent = new PoolAgent(circuit, () => this.dispatchPending(circuit), tls ? { model: tls, secrets: this.secrets } : undefined);
      const created = new EndpointPool(key, endpoint, agent, tls);
      // A connection returned to the free list can take the next waiting request for this endpoint.
      agent.on('free', () => this.dispatchPending(circuit));
      circuit.pools.set(key, created);
      pool = created;
    }
    return pool;
  }

  private hasCapacity(circuit: Circuit, pool: EndpointPool, protocol: UpstreamProtocol): boolean {
    if (protocol === 'http2') return pool.usableH2() !== undefined || circuit.connections < circuit.thresholds.maxConnections;
    return pool.agent.hasFreeSocket || circuit.connections < circuit.thresholds.maxConnections;
  }

  private dispatch(circuit: Circuit, entry: Pending): void {
    entry.dispatched = true;
    circuit.active++;
    if (entry.protocol === 'http1') return entry.onReady({ protocol: 'http1', agent: entry.pool.agent });
    const conn = entry.pool.usableH2() ?? this.connectH2(circuit, entry.pool);
    conn.streams++;
    conn.served++;
    if (circuit.maxRequestsPerConnection !== undefined && conn.served >= circuit.maxRequestsPerConnection) conn.draining = true;
    entry.onReady({ protocol: 'http2', session: conn.session, connected: () => conn.connected });
  }

  /** Opens an HTTP/2 (h2c, prior knowledge) connection counted against `max_connections`. */
  private connectH2(circuit: Circuit, pool: EndpointPool): H2Connection {
    const { address, port } = pool.endpoint;
    const host = address.includes(':') ? `[${address}]` : address;
    const tls = pool.tls;
    const secrets = this.secrets;
    const session = tls
      ? http2.connect(`https://${host}:${port}`, {
          createConnection: () => {
            try {
              return connectUpstreamTls(pool.endpoint, tls, secrets, true);
            } catch (err) {
              const failed = new net.Socket();
              setImmediate(() => failed.destroy(err as Error));
              return failed;
            }
          },
        })
      : http2.connect(`http://${host}:${port}`);
    const conn: H2Connection = { session, connected: false, streams: 0, served: 0, draining: false };
    circuit.connections++;
    pool.h2 = conn;
    const timer = setTimeout(() => session.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), circuit.connectTimeoutMs);
    session.once('connect', () => {
      conn.connected = true;
      clearTimeout(timer);
    });
    session.on('error', () => undefined);
    session.on('goaway', () => (conn.draining = true));
    if (circuit.idleTimeoutMs > 0) session.setTimeout(circuit.idleTimeoutMs, () => conn.streams === 0 && session.close());
    session.once('close', () => {
      clearTimeout(timer);
      circuit.connections--;
      if (pool.h2 === conn) pool.h2 = undefined;
      this.dispatchPending(circuit);
    });
    return conn;
  }

  private streamDone(pool: EndpointPool): void {
    const conn = pool.h2;
    if (!conn) return;
    conn.streams = Math.max(0, conn.streams - 1);
    if (conn.draining && conn.streams === 0) conn.session.close();
  }

  private dispatchPending(circuit: Circuit): void {
    for (let i = 0; i < circuit.pending.length; ) {
      const entry = circuit.pending[i]!;
      if (entry.cancelled) {
        circuit.pending.splice(i, 1);
        continue;
      }
      if (this.hasCapacity(circuit, entry.pool, entry.protocol)) {
        circuit.pending.splice(i, 1);
        this.dispatch(circuit, entry);
        continue;
      }
      i++;
    }
  }
}

/** Pools are per endpoint and transport (which changes when the sidecar obtains or loses its certificate). */
function poolKey(cluster: ClusterModel, endpoint: EndpointModel, certified: boolean): string {
  const tls = upstreamTlsFor(cluster, endpoint, certified);
  return tls ? `${endpointKey(endpoint)}|${upstreamTlsSignature(tls)}` : endpointKey(endpoint);
}
