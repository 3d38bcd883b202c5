import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';
import { MeshError } from '@mesh/shared-api';
import { parseWorkloadCsr } from './csr.js';
import type { CsrRejection } from './csr.js';
import { subjectKeyIdOf, toForgePublicKey } from './forge-keys.js';
import { resolveTtl } from './ttl-policy.js';
import type { TtlPolicy } from './ttl-policy.js';
import { buildCertificate, derToPem, keyIdentifierOf, serialOf, subjectKeyIdExtension } from './x509.js';
import { encodeWorkloadCertificate, randomSerial, signInPlace, subjectNameDer, workloadTemplate } from './workload-der.js';
import type { WorkloadTemplate } from './workload-der.js';

/**
 * The CA's key material. `chainPems` follows every issued leaf (the signing certificate up to the
 * root); `rootCertPems` is the trust bundle. For the self-signed CA all three are the root; a
 * plugged-in intermediate (Istio's cacerts: ca-cert, cert-chain, root-cert) fits the same shape.
 */
export interface CaKeyMaterial {
  signingKey: KeyObject;
  signingCertPem: string;
  chainPems: string[];
  rootCertPems: string[];
}

/** The CA's policy: its trust domain and certificate lifetimes. */
export interface CaPolicy extends TtlPolicy {
  trustDomain: string;
}

/** A certificate the CA issued: the chain (leaf first, root last) and the leaf's facts. */
export interface IssuedCertificate {
  certChainPem: string[];
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** Why the lifetime is shorter than requested, if it is. */
  cappedBy?: 'max-ttl' | 'ca-expiry';
}

/** The key a workload certificate certifies: its DER SubjectPublicKeyInfo and subject key identifier (a checked CSR's `spki` and `keyId`). */
export interface CertifiedKey {
  spki: Buffer;
  keyId: Buffer;
}

/** A workload certificate, or why the CSR or request was refused (expected outcomes, not exceptions). */
export type SignResult =
  | ({ ok: true; identity: string } & IssuedCertificate)
  | { ok: false; reason: CsrRejection | 'invalid-ttl'; message: string };

/**
 * Leaves start this much before "now" so a peer whose clock is slightly behind accepts them at
 * once; never before the signing certificate itself.
 */
const BACKDATE_MS = 60_000;

/** Signs workload CSRs and serving certificates. Pure apart from the clock and randomness. */
export class CertificateAuthority {
  private readonly signingCert: forge.pki.Certificate;
  /** The earliest expiry on the path from the signing certificate to the root: no leaf outlives it. */
  private readonly issuerNotAfter: number;
  private readonly rootExpiry: Date;
  private readonly authorityKeyId: string;
  /** The parts of every workload certificate that only depend on the CA, in DER. */
  private readonly workload: WorkloadTemplate;
  /** Octets of the CA's RSA signatures (its modulus size). */
  private readonly signatureLength: number;

  constructor(
    private readonly keys: CaKeyMaterial,
    private readonly policy: CaPolicy,
    private readonly clock: () => number = Date.now,
  ) {
    this.signingCert = forge.pki.certificateFromPem(keys.signingCertPem);
    const certKey = crypto.createPublicKey(keys.signingCertPem).export({ type: 'spki', format: 'der' });
    const ownKey = crypto.createPublicKey(keys.signingKey).export({ type: 'spki', format: 'der' });
    if (!certKey.equals(ownKey)) throw new MeshError('INTERNAL', 'the CA private key does not belong to the CA certificate');
    const expiries = [keys.signingCertPem, ...keys.chainPems].map((p) => new Date(new crypto.X509Certificate(p).validTo).getTime());
    this.issuerNotAfter = Math.min(...expiries);
    this.rootExpiry = new Date(Math.min(...keys.rootCertPems.map((p) => new Date(new crypto.X509Certificate(p).validTo).getTime())));
    this.authorityKeyId = keyIdentifierOf(this.signingCert);
    // Issuer: the signing certificate's subject exactly as it is encoded there (RFC 5280 §7.1 name
    // chaining). Subject: O=<trust domain>, encoded by forge once, as it always was.
    const subject = forge.pki.createCertificate();
    subject.setSubject(this.workloadSubject());
    this.signatureLength = Math.ceil((keys.signingKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    this.workload = workloadTemplate(
      subjectNameDer(new crypto.X509Certificate(keys.signingCertPem).raw),
      Buffer.from(forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(subject.subject)).getBytes(), 'binary'),
      Buffer.from(this.authorityKeyId, 'binary'),
    );
  }

  /** The trust domain this CA issues identities in. */
  get trustDomain(): string {
    return this.policy.trustDomain;
  }

  /** The trust bundle: the root certificates, PEM, concatenated. */
  get rootCertPem(): string {
    return this.keys.rootCertPems.join('');
  }

  /** When the signing certificate (or, if earlier, a certificate above it) expires; no certificate outlives it. */
  get notAfter(): Date {
    return new Date(this.issuerNotAfter);
  }

  /** When the (earliest-expiring) root of the trust bundle expires. */
  get rootNotAfter(): Date {
    return this.rootExpiry;
  }

  /** Checks a workload CSR and signs it for its one SPIFFE identity (authorization is the caller's job). */
  signCsr(csrPem: string, requestedTtlSeconds?: number): SignResult {
    const csr = parseWorkloadCsr(csrPem, this.policy.trustDomain);
    if (!csr.ok) return csr;
    return this.issueWorkloadCertificate(csr.identity, csr, requestedTtlSeconds);
  }

  /**
   * Issues a workload certificate for an already checked identity and key. The hot path: the
   * TBSCertificate is written by a small DER encoder (workload-der.ts; the same bytes forge wrote)
   * and hashed and signed in one native call with the CA's key object; basicConstraints CA:false
   * (critical), keyUsage digitalSignature + keyEncipherment (critical), extKeyUsage serverAuth +
   * clientAuth, the SPIFFE URI as the only SAN, SKI, AKI; subject O=<trust domain>.
   */
  issueWorkloadCertificate(identity: string, key: CertifiedKey, requestedTtlSeconds?: number): SignResult {
    const ttl = resolveTtl(requestedTtlSeconds, this.policy);
    if (!ttl.ok) return { ok: false, reason: 'invalid-ttl', message: ttl.message };
    const { notBefore, notAfter, cappedBy } = this.validity(ttl.ttlSeconds);
    const serial = randomSerial();
    const unsigned = encodeWorkloadCertificate(this.workload, { serial, notBefore, notAfter, spki: key.spki, identity, subjectKeyId: key.keyId }, this.signatureLength);
    // SHA-256 and the RSA signature in one native call, with the key object made once.
    const der = signInPlace(unsigned, (tbs) => crypto.sign('sha256', tbs, this.keys.signingKey));
    const capped = cappedBy ?? (ttl.capped ? 'max-ttl' : undefined);
    return {
      ok: true,
      identity,
      certChainPem: [derToPem(der, 'CERTIFICATE'), ...this.keys.chainPems],
      serial: serial.toString('hex').toUpperCase(),
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      ...(capped ? { cappedBy: capped } : {}),
    };
  }

  /** Issues a TLS server certificate for host names and IP addresses (Citadel's own gRPC endpoint). */
  issueServingCertificate(publicKey: KeyObject, hosts: readonly string[], ttlSeconds: number): IssuedCertificate {
    const altNames = [...new Set(hosts)].map((h) => (net.isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
    return this.issue(toForgePublicKey(publicKey), ttlSeconds, [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ]);
  }

  /** The subject of every certificate this CA issues: O=<trust domain> (the SAN carries the identity). */
  private workloadSubject(): forge.pki.CertificateField[] {
    return [{ name: 'organizationName', value: this.policy.trustDomain }];
  }

  /**
   * A certificate's validity (ms): from a minute ago (never before the signing certificate's own
   * start) for `ttlSeconds`, cut to the earliest expiry on the chain (`cappedBy` then says so).
   */
  private validity(ttlSeconds: number): { notBefore: number; notAfter: number; cappedBy?: 'ca-expiry' } {
    const now = this.clock();
    const caNotBefore = this.signingCert.validity.notBefore.getTime();
    const caNotAfter = this.issuerNotAfter;
    if (caNotAfter <= now) throw new MeshError('UNAVAILABLE', `the CA certificate chain expired at ${new Date(caNotAfter).toISOString()}; replace the CA key material`);
    const wanted = now + ttlSeconds * 1000;
    return { notBefore: Math.max(now - BACKDATE_MS, caNotBefore), notAfter: Math.min(wanted, caNotAfter), ...(wanted > caNotAfter ? { cappedBy: 'ca-expiry' as const } : {}) };
  }

  /** Builds a certificate with forge (serving certificates: a few per day, off the hot path). */
  private issue(publicKey: forge.pki.PublicKey, ttlSeconds: number, extensions: object[], keyId?: Buffer): IssuedCertificate {
    const { notBefore, notAfter, cappedBy } = this.validity(ttlSeconds);
    const { cert, pem } = buildCertificate(
      {
        publicKey,
        subject: this.workloadSubject(),
        issuer: this.signingCert,
        notBefore: new Date(notBefore),
        notAfter: new Date(notAfter),
        extensions: [
          ...extensions,
          subjectKeyIdExtension(keyId ?? subjectKeyIdOf(publicKey)),
          { name: 'authorityKeyIdentifier', keyIdentifier: this.authorityKeyId },
        ],
      },
      this.keys.signingKey,
    );
    return {
      certChainPem: [pem, ...this.keys.chainPems],
      serial: serialOf(cert),
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
      ...(cappedBy ? { cappedBy } : {}),
    };
  }
}
