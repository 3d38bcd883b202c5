/**
 * A small DER encoder for the one certificate shape on the signing hot path: the workload leaf
 * (RFC 5280 §4.1). Everything constant per CA (issuer name, subject name, authority key identifier,
 * the fixed extensions) is encoded once; per certificate only the serial, the validity, the key,
 * the SPIFFE URI and the subject key identifier are written, with Buffer copies instead of
 * node-forge's ASN.1 object tree. The bytes are the ones forge wrote for the same inputs (the
 * tests compare them), so certificates are unchanged; forge still builds roots and serving
 * certificates, which are off the hot path.
 */
import crypto from 'node:crypto';
import { childrenOf, readTlv } from './csr-der.js';

/** DER length octets (X.690 §8.1.3.3–8.1.3.5); certificates stay far below 2^24 octets. */
function lengthOctets(len: number): number[] {
  if (len < 0x80) return [len];
  if (len < 0x100) return [0x81, len];
  if (len < 0x10000) return [0x82, len >> 8, len & 0xff];
  return [0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
}

/** One element: tag, length, then the contents (already DER), in one allocation. */
export function derElement(tag: number, ...contents: Buffer[]): Buffer {
  let len = 0;
  for (const c of contents) len += c.length;
  const head = lengthOctets(len);
  const out = Buffer.allocUnsafe(1 + head.length + len);
  out[0] = tag;
  out.set(head, 1);
  let pos = 1 + head.length;
  for (const c of contents) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** An INTEGER from unsigned big-endian bytes: minimal, with a zero octet when the high bit is set. */
export function derUnsignedInteger(unsigned: Buffer): Buffer {
  let s = 0;
  while (s < unsigned.length - 1 && unsigned[s] === 0) s++;
  const v = unsigned.subarray(s);
  return (v[0] ?? 0) & 0x80 ? derElement(0x02, Buffer.from([0]), v) : derElement(0x02, v.length ? v : Buffer.from([0]));
}

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** AlgorithmIdentifier { rsaEncryption, NULL } (RFC 3279 §2.3.1). */
const RSA_ENCRYPTION_ALGORITHM_ID = Buffer.from('300d06092a864886f70d0101010500', 'hex');
/** AlgorithmIdentifier { sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL } (RFC 4055 §5). */
export const SHA256_WITH_RSA_ALGORITHM_ID = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
/** `[0] { INTEGER 2 }`: version v3. */
const VERSION_V3 = Buffer.from('a003020102', 'hex');

/**
 * An RSA public key as DER: the RSAPublicKey (RFC 8017 A.1.1; SHA-1 of it is the subject key
 * identifier, RFC 5280 §4.2.1.2 method 1) and the SubjectPublicKeyInfo that carries it.
 */
export function rsaPublicKeyDer(n: Buffer, e: Buffer): { rsaPublicKey: Buffer; spki: Buffer } {
  const rsaPublicKey = derElement(SEQUENCE, derUnsignedInteger(n), derUnsignedInteger(e));
  const spki = derElement(SEQUENCE, RSA_ENCRYPTION_ALGORITHM_ID, derElement(BIT_STRING, Buffer.from([0]), rsaPublicKey));
  return { rsaPublicKey, spki };
}

/** 1950-01-01 and 2050-01-01: UTCTime covers exactly these years (RFC 5280 §4.1.2.5). */
const UTC_TIME_FROM = Date.UTC(1950, 0, 1);
const UTC_TIME_UNTIL = Date.UTC(2050, 0, 1);

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** A Time (RFC 5280 §4.1.2.5): UTCTime YYMMDDHHMMSSZ in 1950–2049, else GeneralizedTime YYYYMMDDHHMMSSZ; whole seconds. */
export function derTime(ms: number): Buffer {
  const d = new Date(ms);
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  if (ms >= UTC_TIME_FROM && ms < UTC_TIME_UNTIL) return derElement(UTC_TIME, Buffer.from(`${two(d.getUTCFullYear() % 100)}${rest}`, 'latin1'));
  return derElement(GENERALIZED_TIME, Buffer.from(`${String(d.getUTCFullYear()).padStart(4, '0')}${rest}`, 'latin1'));
}

/**
 * A random positive serial of 128 bits (RFC 5280 §4.1.2.2 allows up to 20 octets; CA/B Forum asks
 * for at least 64 random bits). The first octet is 0x01–0x7f so the DER INTEGER is positive and
 * minimal without a leading zero octet.
 */
export function randomSerial(): Buffer {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes;
}

/**
 * The workload extensions that do not depend on the certificate, in the order the CA has always
 * written them: basicConstraints CA:false (critical), keyUsage digitalSignature + keyEncipherment
 * (critical), extKeyUsage serverAuth + clientAuth.
 */
const FIXED_WORKLOAD_EXTENSIONS = Buffer.from(
  [
    '300c0603551d130101ff04023000', // basicConstraints: critical, SEQUENCE {} (cA FALSE by default)
    '300e0603551d0f0101ff0404030205a0', // keyUsage: critical, BIT STRING 101 (digitalSignature, keyEncipherment)
    '301d0603551d250416301406082b0601050507030106082b06010505070302', // extKeyUsage: id-kp-serverAuth, id-kp-clientAuth
  ].join(''),
  'hex',
);
const OID_SUBJECT_ALT_NAME = Buffer.from('0603551d11', 'hex');
const OID_SUBJECT_KEY_ID = Buffer.from('0603551d0e', 'hex');
const OID_AUTHORITY_KEY_ID = Buffer.from('0603551d23', 'hex');

/** What is the same in every workload certificate of one CA, encoded once. */
export interface WorkloadTemplate {
  /** The signing certificate's subject Name, verbatim: the leaf's issuer. */
  issuer: Buffer;
  /** The leaf's subject Name (DER). */
  subject: Buffer;
  /** The authorityKeyIdentifier extension (the signing certificate's key identifier). */
  authorityKeyIdExtension: Buffer;
}

/** Encodes the per-CA parts of a workload certificate. */
export function workloadTemplate(issuerName: Buffer, subjectName: Buffer, authorityKeyId: Buffer): WorkloadTemplate {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
  const aki = derElement(SEQUENCE, OID_AUTHORITY_KEY_ID, derElement(OCTET_STRING, derElement(SEQUENCE, derElement(0x80, authorityKeyId))));
  return { issuer: issuerName, subject: subjectName, authorityKeyIdExtension: aki };
}

/** What changes from one workload certificate to the next. */
export interface WorkloadFields {
  /** Unsigned big-endian serial (1–20 octets, first octet < 0x80: see {@link randomSerial}). */
  serial: Buffer;
  notBefore: number;
  notAfter: number;
  /** The key's SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** The SPIFFE URI (ASCII; written as the IA5String of a uniformResourceIdentifier SAN). */
  identity: string;
  /** The subject key identifier (SHA-1 of the RSAPublicKey). */
  subjectKeyId: Buffer;
}

/**
 * The DER TBSCertificate of a workload certificate: v3, the serial, sha256WithRSAEncryption, the
 * CA's subject as issuer, the validity, the CA's subject name for workloads, the key, and the
 * extensions basicConstraints, keyUsage, extKeyUsage, subjectAltName (the one URI, not critical),
 * subjectKeyIdentifier, authorityKeyIdentifier.
 */
export function encodeWorkloadTbs(t: WorkloadTemplate, f: WorkloadFields): Buffer {
  if (f.serial.length === 0 || f.serial.length > 20 || f.serial[0]! & 0x80 || (f.serial[0] === 0 && f.serial.length > 1)) {
    throw new RangeError('the serial must be 1-20 octets, positive and minimal');
  }
  const san = derElement(SEQUENCE, OID_SUBJECT_ALT_NAME, derElement(OCTET_STRING, derElement(SEQUENCE, derElement(0x86, Buffer.from(f.identity, 'latin1')))));
  const ski = derElement(SEQUENCE, OID_SUBJECT_KEY_ID, derElement(OCTET_STRING, derElement(OCTET_STRING, f.subjectKeyId)));
  const extensions = derElement(0xa3, derElement(SEQUENCE, FIXED_WORKLOAD_EXTENSIONS, san, ski, t.authorityKeyIdExtension));
  return derElement(
    SEQUENCE,
    VERSION_V3,
    derElement(0x02, f.serial),
    SHA256_WITH_RSA_ALGORITHM_ID,
    t.issuer,
    derElement(SEQUENCE, derTime(f.notBefore), derTime(f.notAfter)),
    t.subject,
    f.spki,
    extensions,
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function certificateDer(tbs: Buffer, signature: Buffer): Buffer {
  return derElement(SEQUENCE, tbs, SHA256_WITH_RSA_ALGORITHM_ID, derElement(BIT_STRING, Buffer.from([0]), signature));
}

/** A certificate's subject Name, the DER bytes exactly as they are in the certificate. */
export function subjectNameDer(certDer: Buffer): Buffer {
  const cert = readTlv(certDer, 0, certDer.length);
  const tbs = childrenOf(certDer, cert)[0];
  if (cert.tag !== SEQUENCE || !tbs || tbs.tag !== SEQUENCE) throw new Error('not a DER certificate');
  const fields = childrenOf(certDer, tbs);
  // [0] version is optional (absent means v1): serial, signature, issuer, validity, subject follow.
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (!subject || subject.tag !== SEQUENCE) throw new Error('not a DER certificate: no subject');
  return certDer.subarray(subject.start - subject.headerLength, subject.end);
}
