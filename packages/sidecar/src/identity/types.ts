import type { Logger } from '@mesh/runtime';
import type { CredentialKind, TokenSource } from './token-source.js';

/** The workload's current identity material: key and chain as PEM, and the leaf's facts. */
export interface WorkloadCertificate {
  /** `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`. */
  identity: string;
  /** PEM certificates, leaf first, root last (as Citadel returned them). */
  certChainPem: string[];
  /** The leaf's private key, PKCS#8 PEM. It never leaves the process. */
  keyPem: string;
  /** The trust bundle the chain was verified against (PEM). */
  rootCertPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Leaf serial number, upper-case hex (as Node's X509Certificate prints it). */
  serial: string;
}

/** One certificate of the chain, as `/certs` shows it. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notAfter: string;
}

/** What the agent reports on an admin endpoint (`/certs`). */
export interface CertificateAgentState {
  identity: string;
  /** How the agent proves the identity to Citadel. */
  credential: CredentialKind;
  notBefore?: string;
  notAfter?: string;
  secondsToExpiry?: number;
  serial?: string;
  /** The chain above the leaf (intermediates and root), as Citadel returned it. */
  chain?: CertificateSummary[];
  /** SHA-256 fingerprints of the trusted roots (the trust bundle). */
  rootFingerprints: string[];
  /** Certificates installed so far (the first one included). */
  rotations: number;
  lastRotationAt?: string;
  nextRotationAt?: string;
  /** The most recent failure, kept after recovery; compare `lastErrorAt` with `lastRotationAt`. */
  lastError?: string;
  lastErrorAt?: string;
}

/** The slice of an OpenTelemetry `Meter` the agent uses (so it needs no OpenTelemetry import). */
export interface AgentMeter {
  createCounter(name: string, options?: { description?: string }): { add(value: number, attributes?: Record<string, string>): void };
  createObservableGauge(
    name: string,
    options?: { description?: string; unit?: string },
  ): { addCallback(callback: (result: { observe(value: number, attributes?: Record<string, string>): void }) => void): void };
}

/** Options of {@link CertificateAgent}; the tuning knobs have production defaults. */
export interface CertificateAgentOptions {
  /** Citadel's gRPC address, `host:port`; the host must be in Citadel's server certificate. */
  citadelAddress: string;
  /** Citadel's root certificate(s), PEM: verifies Citadel's TLS certificate and the issued chain. */
  rootCertPem: string;
  /** Bootstrap token proving this workload's identity (sent as `authorization: Bearer`); or give `tokenSource`. */
  token?: string;
  /** Where each request's bearer token comes from (a Kubernetes SA token file, a bootstrap token file). */
  tokenSource?: TokenSource;
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
  /** Requested certificate lifetime (seconds); Citadel's default when absent. */
  ttlSeconds?: number;
  logger: Logger;
  metrics?: AgentMeter;
  /** Fraction of the lifetime after which to rotate (default 0.5). */
  rotateAtFraction?: number;
  /** Deadline of each CreateCertificate call (ms, default 10000). */
  callTimeoutMs?: number;
  /** First retry delay after a failure (ms, default 1000); doubles up to `retryMaxMs`. */
  retryInitialMs?: number;
  /** Longest retry delay (ms, default 60000). */
  retryMaxMs?: number;
  /** How long `start()` keeps retrying transient failures before giving up (ms, default 60000). */
  startTimeoutMs?: number;
  /** TLS server name to verify instead of the address's host. */
  tlsServerName?: string;
}
