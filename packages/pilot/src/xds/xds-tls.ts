import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/** Pilot's own identity for its mTLS xDS port: Citadel-issued key and chain, and the mesh root. */
export interface XdsTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The mesh root: sidecars' client certificates must chain to it. */
  readonly rootCertFile: string;
  /** How often the files are re-read, so a renewed certificate is served without a restart (ms). */
  readonly refreshMs: number;
}

/** What the files hold now: Pilot's SPIFFE ID and expiry, for the start-up log (throws when unreadable). */
export function describeXdsCertificate(files: XdsTlsFiles): { identity: string | undefined; notAfter: string } {
  const leaf = new X509Certificate(fs.readFileSync(files.certFile));
  // Reading the key and root now makes a wrong path fail at start, not at the first handshake.
  fs.readFileSync(files.keyFile);
  fs.readFileSync(files.rootCertFile);
  const identity = (leaf.subjectAltName ?? '')
    .split(/,\s*/)
    .find((s) => s.startsWith('URI:spiffe://'))
    ?.slice(4);
  return { identity, notAfter: new Date(leaf.validTo).toISOString() };
}

/**
 * Server credentials of Pilot's mTLS xDS port (Istio's 15011): Pilot's certificate, client
 * certificates required and verified against the mesh root. The files are watched (grpc-js's
 * FileWatcherCertificateProvider), so a certificate renewed on disk — by an agent, cert-manager or
 * a script — is used for new connections while established streams continue.
 */
export function xdsServerCredentials(files: XdsTlsFiles): grpc.ServerCredentials {
  const provider = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.certFile,
    privateKeyFile: files.keyFile,
    caCertificateFile: files.rootCertFile,
    refreshIntervalMs: files.refreshMs,
  });
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
}
