import type net from 'node:net';
import type tls from 'node:tls';
import type { ConnectionFacts } from '../../routing/filter-chain-match.js';
import { selectFilterChain } from '../../routing/filter-chain-match.js';
import type { FilterChainModel, ListenerModel } from '../../routing/model.js';
import type { ConnInfo } from '../../proxy/downstream.js';
import { connInfoOf } from '../../proxy/downstream.js';
import { peekClientHello } from '../../proxy/tls-inspector.js';
import { terminateTls } from './inbound-tls.js';
import type { TlsFailure } from './inbound-tls.js';
import type { TlsSecrets } from './tls-secrets.js';

/** What the inbound transport reports (Envoy's listener `ssl.*` stats, and chain misses). */
export type InboundTransportStat = `ssl.${TlsFailure}` | 'ssl.handshake' | 'no_filter_chain_match';

/** Where a connection goes once its chain is chosen and TLS (if any) is terminated. */
export type DeliverConnection = (socket: net.Socket | tls.TLSSocket, conn: ConnInfo, chain: FilterChainModel) => void;

/**
 * The server side of in-mesh mTLS on the sidecar's inbound port (Istio's `virtualInbound`): for a
 * connection whose port has a TLS filter chain, the chain is chosen as Envoy chooses it — under
 * PERMISSIVE the TLS inspector reads the ClientHello first, so mTLS (ALPN `istio`) and plaintext
 * share the port; under STRICT the only chain terminates TLS and requires a client certificate —
 * TLS is terminated with the agent's certificate, and the connection goes on with the client's
 * principal in its {@link ConnInfo}. Ports without a TLS chain are left alone (plaintext as before).
 */
export class InboundTransport {
  /** Connections already dispatched (a plaintext one comes back through the server's connection hook). */
  private readonly seen = new WeakSet<object>();

  constructor(
    private readonly secrets: TlsSecrets,
    private readonly onStat: (stat: InboundTransportStat) => void,
    private readonly inspectTimeoutMs = 15_000,
  ) {}

  /**
   * Whether a plaintext connection accepted earlier may still carry requests: not once every chain
   * of its port terminates TLS (the port turned STRICT). Envoy drains the connections of filter
   * chains an update removed; refusing their next request closes the same gap.
   */
  admitsPlaintext(listener: ListenerModel | undefined, localPort: number): boolean {
    if (!listener) return true;
    const chains = chainsForPort(listener, localPort);
    return chains.length === 0 || chains.some((c) => !c.tls);
  }

  /** Takes the connection when its port has a TLS chain; false leaves it to plaintext handling. */
  take(listener: ListenerModel | undefined, socket: net.Socket, deliver: DeliverConnection): boolean {
    if (!listener || this.seen.has(socket)) return false;
    const port = socket.localPort ?? 0;
    const chains = chainsForPort(listener, port);
    if (!chains.some((c) => c.tls)) return false;
    this.seen.add(socket);
    socket.on('error', () => socket.destroy());
    const view: ListenerModel = { ...listener, filterChains: chains };
    const only = chains.length === 1 ? chains[0]! : undefined;
    const onlyTls = only?.tls !== undefined && !only.match?.serverNames?.length && !only.match?.applicationProtocols?.length && only.match?.transportProtocol !== 'raw_buffer';
    if (onlyTls) {
      // STRICT: nothing to choose by; the handshake itself refuses plaintext.
      this.dispatch(view, socket, Buffer.alloc(0), { destinationPort: port, transportProtocol: 'tls' }, deliver);
      return true;
    }
    socket.pause();
    peekClientHello(socket, this.inspectTimeoutMs, (hello, peeked) => {
      const facts: ConnectionFacts =
        hello.kind === 'tls'
          ? { destinationPort: port, transportProtocol: 'tls', ...(hello.serverName ? { serverName: hello.serverName } : {}), applicationProtocols: hello.alpn }
          : { destinationPort: port, transportProtocol: 'raw_buffer' };
      this.dispatch(view, socket, peeked, facts, deliver);
    });
    return true;
  }

  private dispatch(view: ListenerModel, socket: net.Socket, peeked: Buffer, facts: ConnectionFacts, deliver: DeliverConnection): void {
    const index = selectFilterChain(view, facts);
    const chain = index === undefined ? undefined : view.filterChains[index];
    if (!chain) {
      this.onStat('no_filter_chain_match');
      return void socket.destroy();
    }
    const base = connInfoOf(socket);
    if (!chain.tls) {
      if (peeked.length > 0) socket.unshift(peeked);
      socket.resume();
      return deliver(socket, base, chain);
    }
    terminateTls(socket, peeked, chain.tls, this.secrets, (outcome) => {
      if (!outcome.ok) return this.onStat(`ssl.${outcome.failure}`);
      this.onStat('ssl.handshake');
      const { socket: secured, principal, peer } = outcome.conn;
      const conn: ConnInfo = {
        ...base,
        encrypted: true,
        ...(facts.serverName ? { serverName: facts.serverName } : {}),
        ...(principal ? { peerPrincipal: principal } : {}),
        ...(peer ? { peerCertificate: peer } : {}),
      };
      deliver(secured, conn, chain);
    });
  }
}

/** The chains of a listener for a destination port: those naming it, else those naming no port. */
function chainsForPort(listener: ListenerModel, port: number): FilterChainModel[] {
  const forPort = listener.filterChains.filter((c) => (c.match?.destinationPort ?? c.destinationPort) === port);
  return forPort.length > 0 ? forPort : listener.filterChains.filter((c) => (c.match?.destinationPort ?? c.destinationPort) === undefined);
}
