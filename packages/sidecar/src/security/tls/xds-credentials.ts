import * as grpc from '@grpc/grpc-js';
import type { experimental } from '@grpc/grpc-js';
import { subjectAltNames } from './peer-identity.js';
import type { WorkloadIdentitySource, WorkloadKeyMaterial } from './identity-source.js';

type CertificateProvider = Parameters<typeof experimental.createCertificateProviderChannelCredentials>[0];
type CaListener = Parameters<CertificateProvider['addCaCertificateListener']>[0];
type IdentityListener = Parameters<CertificateProvider['addIdentityCertificateListener']>[0];

/**
 * grpc-js's certificate provider over the certificate agent: the workload certificate and the
 * mesh root, pushed again on every rotation so that new connections to Pilot use the new one.
 */
class AgentCertificateProvider implements CertificateProvider {
  private readonly ca = new Set<CaListener>();
  private readonly identity = new Set<IdentityListener>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly source: WorkloadIdentitySource) {}

  addCaCertificateListener(l: CaListener): void {
    this.ca.add(l);
    this.follow();
    l(this.caUpdate(this.source.current()));
  }

  removeCaCertificateListener(l: CaListener): void {
    this.ca.delete(l);
    this.unfollow();
  }

  addIdentityCertificateListener(l: IdentityListener): void {
    this.identity.add(l);
    this.follow();
    l(this.identityUpdate(this.source.current()));
  }

  removeIdentityCertificateListener(l: IdentityListener): void {
    this.identity.delete(l);
    this.unfollow();
  }

  private follow(): void {
    this.unsubscribe ??= this.source.onRotate((m) => {
      for (const l of this.ca) l(this.caUpdate(m));
      for (const l of this.identity) l(this.identityUpdate(m));
    });
  }

  private unfollow(): void {
    if (this.ca.size > 0 || this.identity.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private caUpdate(m: WorkloadKeyMaterial | undefined): { caCertificate: Buffer } | null {
    return m ? { caCertificate: Buffer.from(m.rootCertPem) } : null;
  }

  private identityUpdate(m: WorkloadKeyMaterial | undefined): { certificate: Buffer; privateKey: Buffer } | null {
    return m ? { certificate: Buffer.from(m.certChainPem.join('\n')), privateKey: Buffer.from(m.keyPem) } : null;
  }
}

/**
 * mTLS credentials for the xDS channel to Pilot's 15011 port (Istio's `ISTIO_MUTUAL` control
 * plane auth): the sidecar presents its workload certificate and verifies that Pilot's chains to
 * the mesh root and carries `expectedSan` (Pilot's SPIFFE ID) — Pilot's certificate names no DNS
 * host, so the host name is not checked.
 */
export function xdsMtlsCredentials(source: WorkloadIdentitySource, expectedSan: string): grpc.ChannelCredentials {
  const provider = new AgentCertificateProvider(source);
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, provider, {
    checkServerIdentity: (_host, cert) =>
      subjectAltNames(cert.subjectaltname).uri.includes(expectedSan)
        ? undefined
        : Object.assign(new Error(`Pilot's certificate (SANs ${cert.subjectaltname ?? 'none'}) is not ${expectedSan}`), { code: 'ERR_TLS_SAN_MISMATCH' }),
  });
}
