import net from 'node:net';
import type { Logger } from '@mesh/runtime';
import type { ConnectionFacts } from '../routing/filter-chain-match.js';
import { needsTlsInspection, selectFilterChain } from '../routing/filter-chain-match.js';
import type { DownstreamTlsModel, FilterChainModel, ListenerModel } from '../routing/model.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { ConnInfo } from './downstream.js';
import { connInfoOf } from './downstream.js';
import type { HttpProxy } from './http-proxy.js';
import type { OriginalDestinationSource } from './original-destination.js';
import type { SidecarStats } from './stats.js';
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
  /** Sidecar mode: reads where redirected connections were going (needed by {@link ListenerManager.takeRedirected}). */
  readonly originalDestinations?: OriginalDestinationSource;
}

/** Where a connection is going, as filter chain matching sees it. */
interface Destination {
  readonly address: string;
  readonly port: number;
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
 *
 * Sidecar mode binds none of them (Pilot sends them with `bind_to_port: false`): connections the
 * init container's iptables rules redirect to the outbound port are handed to them by
 * {@link takeRedirected}, as Envoy's `use_original_dst` listener does.
 */
export class ListenerManager {
  private readonly bound = new Map<string, Bound>();
  private readonly secrets: TlsSecrets;
  /** Connections already dispatched here: when they come back through the HTTP proxy, they stay there. */
  private readonly taken = new WeakSet<net.Socket>();

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

  /**
   * Sidecar mode, for each connection the outbound port accepts: when the config has a listener
   * with `use_original_dst` (Istio's virtualOutbound) and the connection was redirected (its
   * original destination differs from the address it reached), it is handed to the listener at
   * that original destination — exact `address:port`, else the wildcard address on the port — or,
   * with none, served by the virtualOutbound listener's own chains (PassthroughCluster or
   * BlackHoleCluster); true then. False leaves the connection to the outbound HTTP proxy, which
   * routes by Host header: connections made to the sidecar's port itself (local mode), and every
   * connection when Pilot sends no virtualOutbound listener. The original destination is read
   * only when a virtualOutbound listener exists, so koffi loads only then.
   * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-use-original-dst
   */
  takeRedirected(socket: net.Socket): boolean {
    if (this.taken.has(socket)) return false;
    const table = this.opts.tables.current;
    const virtual = table.virtualOutbound();
    if (!virtual || !this.opts.originalDestinations) return false;
    const dst = this.opts.originalDestinations.read(socket);
    if (!dst.restored) return false;
    this.taken.add(socket);
    const listener = table.listenerAt(dst.address, dst.port) ?? virtual;
    this.opts.stats.inc(`listener.${listener.name}.downstream_cx_total`);
    this.serve(listener, socket, { address: dst.address, port: dst.port }, true);
    return true;
  }

  private onConnection(name: string, socket: net.Socket): void {
    const listener = this.opts.tables.current.listener(name);
    if (!listener) {
      socket.on('error', () => socket.destroy());
      return void socket.destroy();
    }
    this.serve(listener, socket, { address: connInfoOf(socket).localAddress, port: socket.localPort ?? 0 }, false);
  }

  /** Inspects the connection when the listener's chains need it, then dispatches it to a chain. */
  private serve(listener: ListenerModel, socket: net.Socket, dst: Destination, redirected: boolean): void {
    socket.on('error', () => socket.destroy());
    const base = { destinationPort: dst.port, destinationAddress: dst.address };
    if (!needsTlsInspection(listener)) return this.dispatch(listener, socket, Buffer.alloc(0), { ...base, transportProtocol: 'raw_buffer' }, redirected ? dst : undefined);
    peekClientHello(socket, this.opts.inspectTimeoutMs ?? 15_000, (r, peeked) => {
      const facts: ConnectionFacts =
        r.kind === 'tls' ? { ...base, transportProtocol: 'tls', ...(r.serverName ? { serverName: r.serverName } : {}), applicationProtocols: r.alpn } : { ...base, transportProtocol: 'raw_buffer' };
      this.dispatch(listener, socket, peeked, facts, redirected ? dst : undefined);
    });
  }

  private dispatch(listener: ListenerModel, socket: net.Socket, peeked: Buffer, facts: ConnectionFacts, original: Destination | undefined): void {
    const index = selectFilterChain(listener, facts);
    if (index === undefined) {
      this.opts.stats.inc(`listener.${listener.name}.no_filter_chain_match`);
      return void socket.destroy();
    }
    const chain = listener.filterChains[index]!;
    const base = connInfoOf(socket);
    const conn: ConnInfo = {
      ...base,
      ...(facts.serverName ? { serverName: facts.serverName } : {}),
      ...(original ? { originalDestination: original } : {}),
      binding: { listener: listener.name, chain: index },
    };
    if (chain.tls) return this.terminate(chain, chain.tls, socket, peeked, conn);
    if (peeked.length > 0) socket.unshift(peeked);
    if (chain.http) return this.opts.http.accept(socket, conn);
    if (chain.tcp) return this.opts.http.relayTcp(socket, chain.tcp, conn);
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
      else if (chain.tcp) this.opts.http.relayTcp(tlsSocket, chain.tcp, secured);
      else tlsSocket.destroy();
    });
  }
}
