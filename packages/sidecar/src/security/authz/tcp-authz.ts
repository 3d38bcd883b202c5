import type { RbacFilterModel } from './rbac-model.js';
import { evaluateRbacFilters } from './rbac-engine.js';

/** The connection facts the network RBAC filter reads. */
export interface TcpAuthzConn {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly serverName?: string;
  /** `cluster.local/ns/<ns>/sa/<sa>` when mTLS proved the peer's identity. */
  readonly peerPrincipal?: string;
}

/**
 * Envoy's network RBAC filter (`envoy.filters.network.rbac`) for a new TCP connection, before the
 * TCP proxy connects upstream: only connection facts exist (addresses, SNI, the mTLS peer, which
 * Istio's rules read as `source.principal` or as the `authenticated` principal). Pure.
 */
export function tcpAllowed(filters: readonly RbacFilterModel[], conn: TcpAuthzConn): boolean {
  const peer = conn.peerPrincipal;
  return evaluateRbacFilters(filters, {
    facts: { method: '', path: '', authority: conn.serverName ?? '', headers: {} },
    sourceIp: conn.remoteAddress,
    destinationIp: conn.localAddress,
    destinationPort: conn.localPort,
    ...(conn.serverName ? { serverName: conn.serverName } : {}),
    ...(peer ? { peerPrincipal: peer } : {}),
    metadata: { istio_authn: peer ? { 'source.principal': peer, 'source.user': peer } : {} },
  }).allowed;
}
