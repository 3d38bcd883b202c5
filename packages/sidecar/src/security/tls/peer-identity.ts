import type { PeerCertificate } from 'node:tls';
import { matchString } from '../../routing/match.js';
import type { StringMatchModel } from '../../routing/route-model.js';

/** What the proxy knows about an authenticated peer (the client of an mTLS connection). */
export interface PeerCertificateInfo {
  /** URI SANs of the leaf (SPIFFE IDs). */
  readonly uriSans: readonly string[];
  /** DNS SANs of the leaf. */
  readonly dnsSans: readonly string[];
  readonly subject: string;
  /** Upper-case hex, as Node prints it. */
  readonly serial: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
  readonly validTo: string;
}

/** Parses Node's `subjectaltname` (`DNS:a, URI:spiffe://x`) into typed lists; quoted entries are unquoted. */
export function subjectAltNames(text: string | undefined): { uri: string[]; dns: string[]; all: string[] } {
  const uri: string[] = [];
  const dns: string[] = [];
  const all: string[] = [];
  for (const raw of (text ?? '').split(/,\s*/)) {
    const m = /^([A-Za-z ]+):(.*)$/.exec(raw.trim());
    if (!m) continue;
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    all.push(value);
    if (m[1] === 'URI') uri.push(value);
    else if (m[1] === 'DNS') dns.push(value);
  }
  return { uri, dns, all };
}

/** The facts of a peer certificate (undefined when the peer sent none). */
export function peerCertificateInfo(cert: PeerCertificate | undefined): PeerCertificateInfo | undefined {
  if (!cert || !cert.raw || cert.raw.length === 0) return undefined;
  const sans = subjectAltNames(cert.subjectaltname);
  const subject = Object.entries(cert.subject ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return { uriSans: sans.uri, dnsSans: sans.dns, subject, serial: (cert.serialNumber ?? '').toUpperCase(), fingerprint256: cert.fingerprint256 ?? '', validTo: cert.valid_to ?? '' };
}

/**
 * Istio's `source.principal` for a SPIFFE ID: the ID without `spiffe://`
 * (`cluster.local/ns/default/sa/sleep`); undefined for anything else.
 */
export function principalOf(uriSans: readonly string[]): string | undefined {
  const spiffe = uriSans.find((u) => u.startsWith('spiffe://'));
  return spiffe ? spiffe.slice('spiffe://'.length) : undefined;
}

/** True when one of the certificate's SANs (any type, as Envoy's `match_subject_alt_names`) satisfies one of the matchers. */
export function sanMatches(subjectaltname: string | undefined, matchers: readonly StringMatchModel[]): boolean {
  const values = subjectAltNames(subjectaltname).all;
  return values.some((v) => matchers.some((m) => matchString(m, v)));
}
