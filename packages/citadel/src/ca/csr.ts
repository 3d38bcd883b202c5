import crypto from 'node:crypto';
import forge from 'node-forge';
import { parseSpiffeId } from '@mesh/shared-api';
import { toNativePublicKey } from './forge-keys.js';

/** Why a CSR was refused; each maps to INVALID_ARGUMENT with the accompanying message. */
export type CsrRejection =
  | 'malformed'
  | 'unsupported-key'
  | 'weak-key'
  | 'bad-signature'
  | 'no-san'
  | 'non-spiffe-san'
  | 'multiple-identities'
  | 'wrong-trust-domain';

/** A parsed workload CSR: the one identity it asks for and the key to certify; or why not. */
export type CsrResult = { ok: true; identity: string; publicKey: forge.pki.rsa.PublicKey } | { ok: false; reason: CsrRejection; message: string };

/** A PEM CSR for one RSA-2048 key and one SAN is ~1 KiB; anything far larger is not a workload CSR. */
export const MAX_CSR_BYTES = 16 * 1024;
/** Keys below this size are refused (NIST SP 800-57: RSA-2048 is the minimum for new keys). */
export const MIN_RSA_BITS = 2048;

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

/**
 * Parses and checks a PKCS#10 CSR from a workload: well-formed, RSA ≥ 2048 bits, self-signature
 * valid (proof the caller holds the key), and exactly one SAN, a SPIFFE URI in `trustDomain`.
 * Only the key and that identity are used: the subject and any other requested extensions are
 * ignored, because the CA alone decides what a workload certificate contains.
 */
export function parseWorkloadCsr(pem: string, trustDomain: string): CsrResult {
  if (!pem || Buffer.byteLength(pem) > MAX_CSR_BYTES) return reject('malformed', `the CSR must be a PEM certificate request of at most ${MAX_CSR_BYTES} bytes`);
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(pem, false);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/OID is not RSA/.test(msg)) return reject('unsupported-key', 'the CSR key is not RSA: only RSA keys are supported');
    return reject('malformed', `the CSR is not a valid PEM PKCS#10 certificate request: ${msg}`);
  }
  const key = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (!key) return reject('malformed', 'the CSR has no public key');
  const bits = key.n.bitLength();
  if (bits < MIN_RSA_BITS) return reject('weak-key', `the CSR key has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  if (!verifySignature(csr, key)) return reject('bad-signature', 'the CSR signature does not verify with its own public key');

  const altNames = subjectAltNames(csr);
  if (altNames.length === 0) return reject('no-san', 'the CSR has no subjectAltName; it must carry exactly one SPIFFE URI (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)');
  const other = altNames.filter((n) => n.type !== 6 || !n.value?.startsWith('spiffe://'));
  if (other.length > 0) return reject('non-spiffe-san', `the CSR has subjectAltName entries that are not SPIFFE URIs: ${other.map(describe).join(', ')}`);
  if (altNames.length > 1) return reject('multiple-identities', `the CSR asks for ${altNames.length} identities (${altNames.map(describe).join(', ')}); exactly one is allowed`);
  const identity = altNames[0]!.value!;
  const parsed = parseSpiffeId(identity);
  if (!parsed) return reject('non-spiffe-san', `the CSR identity ${identity} is not a workload SPIFFE ID (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)`);
  if (parsed.trustDomain !== trustDomain) return reject('wrong-trust-domain', `the CSR identity ${identity} is not in this CA's trust domain ${trustDomain}`);
  return { ok: true, identity, publicKey: key };
}

/** PKCS#1 v1.5 signature algorithms, verified natively (forge's JS verify costs ~2 ms per CSR). */
const NATIVE_DIGESTS: Record<string, string> = {
  sha256WithRSAEncryption: 'sha256',
  sha384WithRSAEncryption: 'sha384',
  sha512WithRSAEncryption: 'sha512',
};

function verifySignature(csr: forge.pki.CertificateSigningRequest, key: forge.pki.rsa.PublicKey): boolean {
  try {
    const digest = NATIVE_DIGESTS[forge.pki.oids[csr.signatureOid ?? ''] ?? ''];
    // Anything else (SHA-1, RSASSA-PSS) is rare in CSRs: let forge decide.
    if (!digest || !csr.certificationRequestInfo) return csr.verify();
    const tbs = Buffer.from(forge.asn1.toDer(csr.certificationRequestInfo).getBytes(), 'binary');
    return crypto.verify(digest, tbs, toNativePublicKey(key), Buffer.from(csr.signature as string, 'binary'));
  } catch {
    return false;
  }
}

function subjectAltNames(csr: forge.pki.CertificateSigningRequest): AltName[] {
  const attr = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: Array<{ name?: string; altNames?: AltName[] }> } | null;
  const names: AltName[] = [];
  for (const ext of attr?.extensions ?? []) if (ext.name === 'subjectAltName') names.push(...(ext.altNames ?? []));
  return names;
}

function describe(n: AltName): string {
  switch (n.type) {
    case 1:
      return `email:${n.value ?? ''}`;
    case 2:
      return `DNS:${n.value ?? ''}`;
    case 6:
      return `URI:${n.value ?? ''}`;
    case 7:
      return `IP:${n.ip ?? '?'}`;
    default:
      return `type ${n.type}`;
  }
}

function reject(reason: CsrRejection, message: string): CsrResult {
  return { ok: false, reason, message };
}
