import { cidrContains } from '../security/authz/cidr.js';
import type { CidrModel } from '../security/authz/rbac-model.js';
import type { FilterChainModel, ListenerModel } from './model.js';

/** What is known about a new connection when its filter chain is chosen. */
export interface ConnectionFacts {
  readonly destinationPort: number;
  /** The (original) destination address; chains with `prefix_ranges` need it. */
  readonly destinationAddress?: string;
  /** SNI from the TLS ClientHello (lowercase), when the tls_inspector read one. */
  readonly serverName?: string;
  /** `tls` when the connection starts with a TLS handshake, else `raw_buffer`. */
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly applicationProtocols?: readonly string[];
}

type Candidate = { readonly chain: FilterChainModel; readonly index: number };

/** Keeps the candidates that match most specifically on one criterion; undefined criterion = wildcard. */
function narrow(cands: readonly Candidate[], score: (c: FilterChainModel) => number | undefined): Candidate[] {
  let best = -1;
  const scored: Array<[Candidate, number]> = [];
  for (const c of cands) {
    const s = score(c.chain);
    if (s === undefined) continue; // the chain asks for something else
    scored.push([c, s]);
    if (s > best) best = s;
  }
  return scored.filter(([, s]) => s === best).map(([c]) => c);
}

/** How well a server_names list matches: exact 3, wildcard by suffix length, none set 0, mismatch undefined. */
function serverNameScore(names: readonly string[] | undefined, sni: string | undefined): number | undefined {
  if (!names || names.length === 0) return 0;
  if (!sni) return undefined;
  let best: number | undefined;
  for (const n of names) {
    if (n === sni) return 1_000_000;
    if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && sni.length > n.length - 1) best = Math.max(best ?? 0, n.length);
  }
  return best;
}

/** How well prefix ranges match: none set 0, the longest containing prefix + 1, no match undefined. */
function prefixScore(ranges: readonly CidrModel[] | undefined, address: string | undefined): number | undefined {
  if (!ranges || ranges.length === 0) return 0;
  if (!address) return undefined;
  let best: number | undefined;
  for (const r of ranges) if (cidrContains(r, address)) best = Math.max(best ?? 0, r.prefixLen + 1);
  return best;
}

/**
 * Envoy's filter chain selection (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchainmatch):
 * criteria are applied in order — destination port, destination IP (`prefix_ranges`, the longest
 * prefix), server name (exact, then the longest wildcard), transport protocol, application
 * protocols — and at each step the most specific
 * matching chains survive; a chain that sets a criterion the connection does not meet is out.
 * The first survivor wins; with none, the default chain (a chain without any match), if any.
 */
export function selectFilterChain(listener: ListenerModel, facts: ConnectionFacts): number | undefined {
  let cands: Candidate[] = listener.filterChains.map((chain, index) => ({ chain, index }));
  const m = (c: FilterChainModel) => c.match ?? (c.destinationPort !== undefined ? { destinationPort: c.destinationPort } : {});
  cands = narrow(cands, (c) => {
    const p = m(c).destinationPort;
    return p === undefined ? 0 : p === facts.destinationPort ? 1 : undefined;
  });
  cands = narrow(cands, (c) => prefixScore(m(c).prefixRanges, facts.destinationAddress));
  cands = narrow(cands, (c) => serverNameScore(m(c).serverNames, facts.serverName));
  cands = narrow(cands, (c) => {
    const t = m(c).transportProtocol;
    return t === undefined || t === '' ? 0 : t === facts.transportProtocol ? 1 : undefined;
  });
  cands = narrow(cands, (c) => {
    const a = m(c).applicationProtocols;
    if (!a || a.length === 0) return 0;
    return facts.applicationProtocols?.some((p) => a.includes(p)) ? 1 : undefined;
  });
  return cands[0]?.index;
}

/** True when choosing a chain needs the ClientHello (server names or transport protocol matter). */
export function needsTlsInspection(listener: ListenerModel): boolean {
  return listener.tlsInspector === true || listener.filterChains.some((c) => (c.match?.serverNames?.length ?? 0) > 0 || c.match?.transportProtocol === 'tls' || c.tls !== undefined);
}
