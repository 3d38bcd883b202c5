import crypto from 'node:crypto';
import forge from 'node-forge';
import { parseSpiffeId } from '@mesh/shared-api';
import { readCsrDer } from './csr-der.js';
import type { CsrFields } from './csr-der.js';
import { rsaPublicKeyDer } from './workload-der.js';

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

/**
 * A parsed workload CSR: the one identity it asks for and the key to certify (its DER
 * SubjectPublicKeyInfo, and its subject key identifier: SHA-1 of the RSAPublicKey); or why not.
 */
export type CsrResult = { ok: true; identity: string; spki: Buffer; keyId: Buffer } | { ok: false; reason: CsrRejection; message: string };

/** A PEM CSR (RFC 7468 §7; "NEW CERTIFICATE REQUEST" is the older label some tools still write). */
const CSR_PEM = /^\s*-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END (NEW )?CERTIFICATE REQUEST-----\s*$/;

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
  // The hot path: base64 and DER natively (csr-der.ts); anything unusual goes through forge.
  const m = CSR_PEM.exec(pem);
  const fields = m ? readCsrDer(Buffer.from(m[2]!, 'base64')) : undefined;
  return fields ? checkFields(fields, trustDomain) : parseWithForge(pem, trustDomain);
}

function checkFields(f: CsrFields, trustDomain: string): CsrResult {
  if (f.key.type !== 'rsa') return reject('unsupported-key', 'the CSR key is not RSA: only RSA keys are supported');
  const { n, e } = f.key;
  const bits = n.length * 8 - Math.clz32(n[0] ?? 0) + 24;
  if (bits < MIN_RSA_BITS) return reject('weak-key', `the CSR key has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  const key = certifiedKey(n, e);
  if (!verifyNative(f.digest, f.info, key.rsaPublicKey, f.signature)) return reject('bad-signature', 'the CSR signature does not verify with its own public key');
  const altNames: AltName[] = f.altNames.map((a) => {
    switch (a.kind) {
      case 'uri':
        return { type: 6, value: a.value };
      case 'dns':
        return { type: 2, value: a.value };
      case 'email':
        return { type: 1, value: a.value };
      case 'ip':
        return { type: 7, ip: a.value };
      default:
        return { type: Number(a.value.replace('type ', '')) };
    }
  });
  const identity = checkIdentity(altNames, trustDomain);
  if (!identity.ok) return identity;
  return { ok: true, identity: identity.identity, spki: key.spki, keyId: key.keyId };
}

/** The same checks with forge's full parser (other PEM labels, signature algorithms, encodings). */
function parseWithForge(pem: string, trustDomain: string): CsrResult {
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
  const rsaKey = rsaKeyBytesOf(key);
  const certified = certifiedKey(rsaKey.n, rsaKey.e);
  if (!verifySignature(csr, certified.rsaPublicKey)) return reject('bad-signature', 'the CSR signature does not verify with its own public key');
  const identity = checkIdentity(subjectAltNames(csr), trustDomain);
  if (!identity.ok) return identity;
  return { ok: true, identity: identity.identity, spki: certified.spki, keyId: certified.keyId };
}

/**
 * The key as the certificate will carry it: SubjectPublicKeyInfo and key identifier, encoded in
 * DER from the modulus and exponent (for a DER CSR, the same bytes as the CSR's own; a CSR with a
 * non-minimal encoding still gets a certificate in strict DER, as forge used to re-encode it).
 */
function certifiedKey(n: Buffer, e: Buffer): { rsaPublicKey: Buffer; spki: Buffer; keyId: Buffer } {
  const { rsaPublicKey, spki } = rsaPublicKeyDer(n, e);
  return { rsaPublicKey, spki, keyId: crypto.hash('sha1', rsaPublicKey, 'buffer') };
}

/** Exactly one SAN, a workload SPIFFE ID in this trust domain. */
function checkIdentity(altNames: AltName[], trustDomain: string): { ok: true; identity: string } | { ok: false; reason: CsrRejection; message: string } {
  if (altNames.length === 0) return reject('no-san', 'the CSR has no subjectAltName; it must carry exactly one SPIFFE URI (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)');
  const other = altNames.filter((n) => n.type !== 6 || !n.value?.startsWith('spiffe://'));
  if (other.length > 0) return reject('non-spiffe-san', `the CSR has subjectAltName entries that are not SPIFFE URIs: ${other.map(describe).join(', ')}`);
  if (altNames.length > 1) return reject('multiple-identities', `the CSR asks for ${altNames.length} identities (${altNames.map(describe).join(', ')}); exactly one is allowed`);
  const identity = altNames[0]!.value!;
  const parsed = parseSpiffeId(identity);
  if (!parsed) return reject('non-spiffe-san', `the CSR identity ${identity} is not a workload SPIFFE ID (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)`);
  if (parsed.trustDomain !== trustDomain) return reject('wrong-trust-domain', `the CSR identity ${identity} is not in this CA's trust domain ${trustDomain}`);
  return { ok: true, identity };
}

/** PKCS#1 v1.5 signature algorithms, verified natively (forge's JS verify costs ~2 ms per CSR). */
const NATIVE_DIGESTS: Record<string, string> = {
  sha256WithRSAEncryption: 'sha256',
  sha384WithRSAEncryption: 'sha384',
  sha512WithRSAEncryption: 'sha512',
};

function verifySignature(csr: forge.pki.CertificateSigningRequest, key: Buffer): boolean {
  try {
    const digest = NATIVE_DIGESTS[forge.pki.oids[csr.signatureOid ?? ''] ?? ''];
    // Anything else (SHA-1, RSASSA-PSS) is rare in CSRs: let forge decide.
    if (!digest || !csr.certificationRequestInfo) return csr.verify();
    const tbs = Buffer.from(forge.asn1.toDer(csr.certificationRequestInfo).getBytes(), 'binary');
    return verifyNative(digest, tbs, key, Buffer.from(csr.signature as string, 'binary'));
  } catch {
    return false;
  }
}

/**
 * The CSR's proof of possession, natively. The key is passed as its DER RSAPublicKey (PKCS#1),
 * which Node reads with `d2i_PublicKey` directly (~7 µs, like a JWK import, without the base64url
 * strings or a KeyObject); SPKI or PEM would go through OpenSSL 3's decoders (~0.3–0.5 ms).
 */
function verifyNative(digest: string, data: Buffer, rsaPublicKey: Buffer, signature: Buffer): boolean {
  try {
    return crypto.verify(digest, data, { key: rsaPublicKey, format: 'der', type: 'pkcs1' }, signature);
  } catch {
    return false;
  }
}

/** An RSA public key as bytes: modulus and exponent, unsigned big-endian. */
interface RsaKeyBytes {
  n: Buffer;
  e: Buffer;
}

/** The same bytes from a forge key (CSRs that came through forge's own PEM parser). */
function rsaKeyBytesOf(key: forge.pki.rsa.PublicKey): RsaKeyBytes {
  const bytes = (i: forge.jsbn.BigInteger): Buffer => {
    const hex = i.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  };
  return { n: bytes(key.n), e: bytes(key.e) };
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

function reject(reason: CsrRejection, message: string): { ok: false; reason: CsrRejection; message: string } {
  return { ok: false, reason, message };
}
