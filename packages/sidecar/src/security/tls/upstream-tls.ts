import net from 'node:net';
import tls from 'node:tls';
import type { ClusterModel, EndpointModel } from '../../routing/cluster-model.js';
import type { StringMatchModel } from '../../routing/route-model.js';
import type { UpstreamTlsModel } from '../../routing/tls-model.js';
import { sanMatches } from './peer-identity.js';
import type { TlsSecrets } from './tls-secrets.js';

/**
 * The TLS an endpoint of a cluster is reached with (undefined = plaintext): the first
 * `transport_socket_matches` entry whose fields all equal the endpoint's
 * `envoy.transport_socket_match` metadata, else the cluster's `transport_socket`. This is how
 * Istio's auto mTLS works: `tlsMode: istio` endpoints (workloads with a sidecar whose server
 * accepts mTLS) get ISTIO_MUTUAL, the others plaintext. A sidecar holding no certificate
 * (`certified` false) cannot do mTLS at all, so it skips matches that need its SDS certificate and
 * falls through to plaintext — which PERMISSIVE servers accept and STRICT ones refuse, as they
 * should; an explicit `transport_socket` (a DestinationRule's tls) is never skipped.
 */
export function upstreamTlsFor(cluster: ClusterModel, endpoint: EndpointModel, certified = true): UpstreamTlsModel | undefined {
  const t = cluster.transport;
  if (!t) return undefined;
  const meta = endpoint.transportMatch ?? {};
  for (const m of t.matches ?? []) {
    if (!certified && m.tls?.certificate?.kind === 'sds') continue;
    if (Object.entries(m.match).every(([k, v]) => meta[k] === v)) return m.tls;
  }
  return t.tls;
}

const signatures = new WeakMap<UpstreamTlsModel, string>();

function matcherText(m: StringMatchModel): string {
  return m.kind === 'regex' ? `re:${m.source}` : m.kind === 'present' ? `present:${m.present}` : `${m.kind}:${m.ignoreCase ? 'i' : ''}:${m.value}`;
}

/** A stable text for a TLS model's content: pools are kept across xDS updates that do not change it. */
export function upstreamTlsSignature(t: UpstreamTlsModel | undefined): string {
  if (!t) return 'plaintext';
  let s = signatures.get(t);
  if (s === undefined) {
    const cert = t.certificate ? (t.certificate.kind === 'sds' ? `sds:${t.certificate.name}` : `pem:${t.certificate.certChain.length}:${t.certificate.certChain.slice(-64)}`) : '-';
    const ca = t.validation ? (t.validation.kind === 'sds' ? `sds:${t.validation.name}` : `pem:${t.validation.trustedCa.length}:${t.validation.trustedCa.slice(-64)}`) : '-';
    s = ['tls', cert, ca, (t.matchSubjectAltNames ?? []).map(matcherText).join(','), t.sni ?? '', t.alpn.join(',')].join('|');
    signatures.set(t, s);
  }
  return s;
}

/** Why an upstream TLS connection could not even be attempted. */
export class UpstreamTlsUnavailable extends Error {
  override readonly name = 'UpstreamTlsUnavailable';
  readonly code = 'UPSTREAM_TLS_UNAVAILABLE';
}

/**
 * Opens a TLS connection to an endpoint (the client side of mTLS): the agent's certificate (SDS
 * `default`) with the context in force now — a rotation affects new connections only — server
 * certificate verified against the trust bundle, then against the SAN matchers (ISTIO_MUTUAL:
 * the destination's SPIFFE identities; Envoy checks no host name otherwise), SNI and ALPN from
 * the config. `h2` is added to ALPN when HTTP/2 is spoken. Throws {@link UpstreamTlsUnavailable}
 * when the certificate is not there yet.
 */
export function connectUpstreamTls(endpoint: { address: string; port: number }, t: UpstreamTlsModel, secrets: TlsSecrets | undefined, http2 = false): tls.TLSSocket {
  const ctx = secrets ? secrets.clientContext(t) : { ok: false as const, message: 'no certificate agent configured' };
  if (!ctx.ok) throw new UpstreamTlsUnavailable(ctx.message);
  const alpn = http2 && !t.alpn.includes('h2') ? [...t.alpn, 'h2'] : [...t.alpn];
  const sans = t.matchSubjectAltNames;
  return tls.connect({
    host: endpoint.address,
    port: endpoint.port,
    secureContext: ctx.context,
    ...(t.sni && net.isIP(t.sni) === 0 ? { servername: t.sni } : {}),
    ...(alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
    rejectUnauthorized: t.validation !== undefined,
    checkServerIdentity: (_host, cert) =>
      sans && sans.length > 0 && !sanMatches(cert.subjectaltname, sans)
        ? Object.assign(new Error(`upstream certificate SANs ${cert.subjectaltname ?? '(none)'} match none of the expected identities`), { code: 'ERR_TLS_SAN_MISMATCH' })
        : undefined,
  });
}
