import crypto from 'node:crypto';
import type { WorkloadCertificate } from './types.js';

/** What `tls.createSecureContext()` / `server.setSecureContext()` take for mTLS with the workload identity. */
export interface TlsMaterial {
  /** The workload's private key (PEM). */
  key: string;
  /** Leaf and intermediates (PEM), without the root: peers hold it already. */
  cert: string;
  /** The trust bundle peers' certificates must chain to (PEM). */
  ca: string;
}

/**
 * The TLS options for a workload certificate: the proxy builds a new secure context from these on
 * every rotation and swaps it in (`server.setSecureContext`, a fresh context for new upstream
 * connections); connections already open keep the context they were made with.
 */
export function tlsMaterialOf(cert: WorkloadCertificate): TlsMaterial {
  const roots = new Set(cert.rootCertPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((p) => p.replace(/\s+/g, '')) ?? []);
  const chain = cert.certChainPem.filter((p, i) => i === 0 || !roots.has(p.replace(/\s+/g, '')));
  return { key: cert.keyPem, cert: chain.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''), ca: cert.rootCertPem };
}

/** SHA-256 fingerprints (`AA:BB:...`, as openssl prints them) of the certificates in a PEM bundle. */
export function fingerprintsOf(pemBundle: string): string[] {
  return (pemBundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new crypto.X509Certificate(p).fingerprint256);
}
