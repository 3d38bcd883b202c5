import net from 'node:net';
import type { AttrValue } from '@mesh/shared-api';
import type { Exchange } from '../proxy/exchange.js';
import type { PeerLabels } from '../proxy/observer.js';
import type { MixerChecker, PolicyDecision } from './mixer-checker.js';
import type { ReporterIdentity } from './request-attributes.js';

function labels(p: PeerLabels | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (p?.app) out['app'] = p.app;
  if (p?.version) out['version'] = p.version;
  return out;
}

/** An IPv4 / IPv6 address as Mixer's IP_ADDRESS bytes (IPv4-mapped IPv6 as 4 bytes). */
export function ipBytes(address: string): Uint8Array | undefined {
  const a = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (net.isIPv4(a)) return Uint8Array.from(a.split('.').map(Number));
  return undefined;
}

/**
 * Istio 1.4's Check attributes of an inbound request, known before it is forwarded: the caller
 * (from its peer metadata and mTLS identity), this workload, the request line and headers, and
 * the connection.
 */
export function checkAttributes(ex: Exchange, reporter: ReporterIdentity, trustDomain: string): Map<string, AttrValue> {
  const self = ex.ctx.self.labels;
  const peer = ex.peer;
  const facts = ex.facts;
  const bag = new Map<string, AttrValue>();
  const put = (k: string, v: AttrValue | undefined): void => {
    if (v !== undefined) bag.set(k, v);
  };
  put('context.protocol', 'http');
  put('context.reporter.kind', 'inbound');
  put('context.reporter.uid', reporter.uid);
  put('source.labels', labels(peer));
  put('source.namespace', peer?.namespace);
  put('source.workload.name', peer?.workload);
  put('source.workload.namespace', peer?.namespace);
  put('source.principal', ex.conn.peerPrincipal ?? (peer?.namespace && peer.serviceAccount ? `${trustDomain}/ns/${peer.namespace}/sa/${peer.serviceAccount}` : undefined));
  put('source.ip', ipBytes(ex.conn.remoteAddress));
  put('destination.labels', labels(self));
  put('destination.namespace', self.namespace);
  put('destination.workload.name', self.workload);
  put('destination.workload.namespace', self.namespace);
  put('destination.service.name', self.service);
  put('destination.service.namespace', self.namespace);
  if (self.service && self.namespace) put('destination.service.host', `${self.service}.${self.namespace}.svc.${reporter.domainSuffix}`);
  put('destination.port', BigInt(ex.conn.localPort));
  put('connection.mtls', ex.conn.encrypted);
  if (facts) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(facts.headers)) if (v !== undefined) headers[k] = v;
    put('request.headers', headers);
    put('request.method', facts.method);
    put('request.path', facts.path);
    const q = facts.path.indexOf('?');
    put('request.url_path', q < 0 ? facts.path : facts.path.slice(0, q));
    put('request.host', facts.authority);
    put('request.useragent', headers['user-agent']);
    put('request.referer', headers['referer']);
  }
  put('request.scheme', ex.secure ? 'https' : 'http');
  put('request.id', ex.requestId);
  put('request.time', ex.startTime);
  return bag;
}

/**
 * The proxy's hook for Mixer Check: inbound requests only (Istio 1.4 checks on the server side;
 * client-side checks are off by default), after routing and before forwarding.
 */
export function mixerPolicyCheck(checker: Pick<MixerChecker, 'check'>, reporter: ReporterIdentity, trustDomain: string): (ex: Exchange) => Promise<PolicyDecision> | undefined {
  return (ex) => (ex.ctx.direction === 'inbound' ? checker.check(checkAttributes(ex, reporter, trustDomain)) : undefined);
}
