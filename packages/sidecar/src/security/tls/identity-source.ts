/**
 * What mTLS needs from the sidecar's certificate agent, and nothing more: the current key and
 * chain with the trust bundle, and word of each rotation. `CertificateAgent` (identity/) satisfies
 * it; tests may give fixed material.
 */

/** The workload's key material as PEM. */
export interface WorkloadKeyMaterial {
  /** `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`. */
  readonly identity: string;
  /** Leaf first. */
  readonly certChainPem: readonly string[];
  readonly keyPem: string;
  /** The mesh's trust bundle (Istio's `ROOTCA`). */
  readonly rootCertPem: string;
}

/** A source of the workload's identity: the certificate agent. */
export interface WorkloadIdentitySource {
  /** The certificate in force, or undefined before the first one and after expiry. */
  current(): WorkloadKeyMaterial | undefined;
  /** Called with every newly installed certificate; returns the unsubscribe function. */
  onRotate(listener: (material: WorkloadKeyMaterial) => void): () => void;
}

/** A source that never changes (tests, and key/cert files given at start). */
export function fixedIdentity(material: WorkloadKeyMaterial): WorkloadIdentitySource {
  return { current: () => material, onRotate: () => () => undefined };
}
