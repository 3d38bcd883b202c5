import net from 'node:net';
import type { Logger } from '@mesh/runtime';
import type { ConnectionFacts } from '../routing/filter-chain-match.js';
import { needsTlsInspection, selectFilterChain } from '../routing/filter-chain-match.js';
import type { DownstreamTlsModel, FilterChainModel, ListenerModel } from '../routing/model.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { ConnInfo } from './downstream.js';
import { connInfoOf } from './downstream.js';
import type { HttpProxy } from './http-proxy.js';
import type { SidecarStats } from './stats.js';
import { proxyTcp } from './tcp-proxy.js';
import { peekClientHello } from './tls-inspector.js';
import { terminateTls } from '../security/tls/inbound-tls.js';
import { TlsSecrets } from '../security/tls/tls-secrets.js';

/** What the listener manager serves connections with. */
export interface ListenerManagerOptions {
  readonly tables: { readonly current: RoutingTable };
  /** Handles HTTP filter chains (its matcher routes by the connection's listener and chain). */
  readonly http: HttpProxy;
  readonly stats: SidecarStats;
  readonly logger: Logger;
  /** Binds every listener here instead of its own address (local mode); undefined keeps the listener's. */
  readonly bindHost?: string;
  /** How long the TLS inspector waits for a ClientHello before treating the connection as plaintext (Envoy: 15 s). */
  readonly inspectTimeoutMs?: number;
  /** The agent's certificates, for chains that name SDS secrets; PEM-only when absent. */
  readonly secrets?: TlsSecrets;
}

interface Bound {
  readonly server: net.Server;
  readonly key: string;
  readonly sockets: Set<net.Socket>;
}

/**
 * Gateway mode: every listener from LDS is bound at its own address and port
 * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/listeners/listeners). A new
 * connection is inspected (TLS ClientHello: SNI and ALPN) when its listener's chains depend on
 * it, a filter chain is chosen as Envoy chooses, TLS is terminated when the chain has a
 * `DownstreamTlsContext` (SIMPLE, or MUTUAL with client certificates), and the connection goes to
 * the HTTP connection manager or the TCP proxy. A chain without TLS termination and with a TCP
 * proxy relays the bytes untouched: TLS passthrough by SNI. Removed listeners stop accepting;
 * their open connections continue.
 */
export class ListenerManager {
  private readonly bound = new Map<string, Bound>();
  private readonly secrets: TlsSecrets;

  constructor(private readonly opts: ListenerManagerOptions) {
    this.secrets = opts.secrets ?? new TlsSecrets(undefined);
  }

  /** Binds listeners that are new (or moved) and closes those that are gone; bind failures are logged. */
  async sync(table: RoutingTable): Promise<void> {
    const wanted = new Map<string, ListenerModel>();
    for (const l of table.snapshot.listeners.values()) if (l.port > 0 && l.filterChains.length > 0) wanted.set(l.name, l);
    for (const [name, b] of this.bound) {
      const l = wanted.get(name);
      if (!l || this.keyOf(l) !== b.key) {
        this.bound.delete(name);
        b.server.close();
      }
    }
    await Promise.all(
      [...wanted.values()]
        .filter((l) => !this.bound.has(l.name))
        .map(async (l) => {
          try {
            await this.bind(l);
          } catch (err) {
            this.opts.stats.inc(`listener.${l.name}.bind_failed`);
            this.opts.logger.error({ err, listener: l.name, port: l.port }, 'cannot bind listener');
          }
        }),
    );
  }

  /** Bound port of each listener (after sync). */
  ports(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, b] of this.bound) {
      const a = b.server.address();
      if (typeof a === 'object' && a) out.set(name, a.port);
    }
    return out;
  }

  /** Stops accepting everywhere; open connections are left to the HTTP proxy's drain (and closed after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    const closing = [...this.bound.values()].map((b) => new Promise<void>((r) => b.server.close(() => r())));
    const timer = setTimeout(() => {
      for (const b of this.bound.values()) for (const s of b.sockets) s.destroy();
    }, graceMs);
    await Promise.all(closing);
    clearTimeout(timer);
    this.bound.clear();
  }

  private keyOf(l: ListenerModel): string {
    return `${this.opts.bindHost ?? l.address}:${l.port}`;
  }

  private bind(l: ListenerModel): Promise<void> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.onConnection(l.name, socket);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, this.opts.bindHost ?? l.address, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.warn({ err, listener: l.name }, 'listener error'));
        this.bound.set(l.name, { server, key: this.keyOf(l), sockets });
        this.opts.logger.info({ listener: l.name, port: l.port }, 'listener bound');
        resolve();
      });
    });
  }

  private onConnection(name: string, socket: net.Socket): void {
    const listener = this.opts.tables.current.listener(name);
    socket.on('error', () => socket.destroy());
    if (!listener) return void socket.destroy();
    if (!needsTlsInspection(listener)) return this.dispatch(listener, socket, Buffer.alloc(0), { destinationPort: socket.localPort ?? 0, transportProtocol: 'raw_buffer' });
    peekClientHello(socket, this.opts.inspectTimeoutMs ?? 15_000, (r, peeked) => {
      const facts: ConnectionFacts =
        r.kind === 'tls'
          ? { destinationPort: socket.localPort ?? 0, transportProtocol: 'tls', ...(r.serverName ? { serverName: r.serverName } : {}), applicationProtocols: r.alpn }
          : { destinationPort: socket.localPort ?? 0, transportProtocol: 'raw_buffer' };
      this.dispatch(listener, socket, peeked, facts);
    });
  }

  private dispatch(listener: ListenerModel, socket: net.Socket, peeked: Buffer, facts: ConnectionFacts): void {
    const index = selectFilterChain(listener, facts);
    if (index === undefined) {
      this.opts.stats.inc(`listener.${listener.name}.no_filter_chain_match`);
      return void socket.destroy();
    }
    const chain = listener.filterChains[index]!;
    const base = connInfoOf(socket);
    const conn: ConnInfo = { ...base, ...(facts.serverName ? { serverName: facts.serverName } : {}), binding: { listener: listener.name, chain: index } };
    if (chain.tls) return this.terminate(chain, chain.tls, socket, peeked, conn);
    if (peeked.length > 0) socket.unshift(peeked);
    if (chain.http) return this.opts.http.accept(socket, conn);
    if (chain.tcp) return proxyTcp(this.opts.http.context(), socket, chain.tcp, conn);
    socket.destroy();
  }

  /** Terminates TLS (SIMPLE, or MUTUAL when client certificates are required) and hands the clear stream on. */
  private terminate(chain: FilterChainModel, t: DownstreamTlsModel, socket: net.Socket, peeked: Buffer, conn: ConnInfo): void {
    const listener = conn.binding!.listener;
    terminateTls(socket, peeked, t, this.secrets, (outcome) => {
      if (!outcome.ok) {
        this.opts.stats.inc(`listener.${listener}.ssl.${outcome.failure === 'connection_error' ? 'connection_error' : outcome.failure}`);
        if (outcome.failure === 'no_certificate') this.opts.logger.warn({ listener, reason: outcome.message }, 'TLS connection refused: no certificate yet');
        return;
      }
      const { socket: tlsSocket, principal, peer } = outcome.conn;
      const secured: ConnInfo = { ...conn, encrypted: true, ...(principal ? { peerPrincipal: principal } : {}), ...(peer ? { peerCertificate: peer } : {}) };
      if (chain.http) this.opts.http.accept(tlsSocket, secured);
      else if (chain.tcp) proxyTcp(this.opts.http.context(), tlsSocket, chain.tcp, secured);
      else tlsSocket.destroy();
    });
  }
}
