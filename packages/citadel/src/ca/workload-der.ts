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

/** A Time's tag and text: UTCTime YYMMDDHHMMSSZ in 1950–2049, else GeneralizedTime YYYYMMDDHHMMSSZ; whole seconds. */
function timeText(ms: number): { tag: number; text: string } {
  const d = new Date(ms);
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  if (ms >= UTC_TIME_FROM && ms < UTC_TIME_UNTIL) return { tag: UTC_TIME, text: `${two(d.getUTCFullYear() % 100)}${rest}` };
  return { tag: GENERALIZED_TIME, text: `${String(d.getUTCFullYear()).padStart(4, '0')}${rest}` };
}

/** A Time (RFC 5280 §4.1.2.5) in DER: UTCTime before 2050, GeneralizedTime from 2050 on; whole seconds. */
export function derTime(ms: number): Buffer {
  const { tag, text } = timeText(ms);
  return derElement(tag, Buffer.from(text, 'latin1'));
}

/** Random octets for serials, drawn from the CSPRNG 4 KiB at a time (each octet is used once). */
const serialPool = Buffer.alloc(4096);
let serialPoolPos = serialPool.length;

/**
 * A random positive serial of 128 bits (RFC 5280 §4.1.2.2 allows up to 20 octets; CA/B Forum asks
 * for at least 64 random bits). The first octet is 0x01–0x7f so the DER INTEGER is positive and
 * minimal without a leading zero octet.
 */
export function randomSerial(): Buffer {
  if (serialPoolPos + 16 > serialPool.length) {
    crypto.randomFillSync(serialPool);
    serialPoolPos = 0;
  }
  const bytes = Buffer.from(serialPool.subarray(serialPoolPos, serialPoolPos + 16));
  serialPoolPos += 16;
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

/** Octets of an element's tag and length for `len` octets of content. */
const headerLength = (len: number): number => (len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5);
/** Octets of a whole element with `len` octets of content. */
const elementLength = (len: number): number => headerLength(len) + len;

/** Writes an element's tag and length octets at `pos`; returns where its content starts. */
function putHeader(buf: Buffer, pos: number, tag: number, len: number): number {
  buf[pos++] = tag;
  if (len < 0x80) {
    buf[pos++] = len;
  } else if (len < 0x100) {
    buf[pos++] = 0x81;
    buf[pos++] = len;
  } else if (len < 0x10000) {
    buf[pos++] = 0x82;
    buf[pos++] = len >> 8;
    buf[pos++] = len & 0xff;
  } else {
    buf[pos++] = 0x83;
    buf[pos++] = len >> 16;
    buf[pos++] = (len >> 8) & 0xff;
    buf[pos++] = len & 0xff;
  }
  return pos;
}

/** A workload Certificate in DER with room for its signature: sign `der[tbsStart, tbsEnd)`, then write the signature at `signatureStart`. */
export interface UnsignedCertificate {
  der: Buffer;
  tbsStart: number;
  tbsEnd: number;
  signatureStart: number;
}

/**
 * A workload Certificate (RFC 5280 §4.1) in DER, in one buffer, its signature left to fill in:
 * TBSCertificate { v3, the serial, sha256WithRSAEncryption, the CA's subject as issuer, the
 * validity, the subject, the key, extensions basicConstraints, keyUsage, extKeyUsage,
 * subjectAltName (the one URI, not critical), subjectKeyIdentifier, authorityKeyIdentifier },
 * sha256WithRSAEncryption, BIT STRING of `signatureLength` octets (the CA key's modulus size).
 */
export function encodeWorkloadCertificate(t: WorkloadTemplate, f: WorkloadFields, signatureLength: number): UnsignedCertificate {
  const serial = f.serial;
  if (serial.length === 0 || serial.length > 20 || serial[0]! & 0x80 || (serial[0] === 0 && serial.length > 1)) {
    throw new RangeError('the serial must be 1-20 octets, positive and minimal');
  }
  const uriLength = Buffer.byteLength(f.identity, 'latin1');
  const notBefore = timeText(f.notBefore);
  const notAfter = timeText(f.notAfter);
  // Lengths, innermost first.
  const sanNames = elementLength(uriLength); // GeneralNames content: [6] uri
  const sanOctets = elementLength(sanNames); // OCTET STRING content: SEQUENCE of names
  const sanExtension = elementLength(OID_SUBJECT_ALT_NAME.length + elementLength(sanOctets));
  const skiOctets = elementLength(f.subjectKeyId.length);
  const skiExtension = elementLength(OID_SUBJECT_KEY_ID.length + elementLength(skiOctets));
  const extensionList = FIXED_WORKLOAD_EXTENSIONS.length + sanExtension + skiExtension + t.authorityKeyIdExtension.length;
  const validity = elementLength(notBefore.text.length) + elementLength(notAfter.text.length);
  const tbsContent =
    VERSION_V3.length + elementLength(serial.length) + SHA256_WITH_RSA_ALGORITHM_ID.length + t.issuer.length + elementLength(validity) + t.subject.length + f.spki.length + elementLength(elementLength(extensionList));
  const tbs = elementLength(tbsContent);
  const certContent = tbs + SHA256_WITH_RSA_ALGORITHM_ID.length + elementLength(1 + signatureLength);
  const der = Buffer.allocUnsafe(elementLength(certContent));

  let pos = putHeader(der, 0, SEQUENCE, certContent);
  const tbsStart = pos;
  pos = putHeader(der, pos, SEQUENCE, tbsContent);
  pos += VERSION_V3.copy(der, pos);
  pos = putHeader(der, pos, 0x02, serial.length);
  pos += serial.copy(der, pos);
  pos += SHA256_WITH_RSA_ALGORITHM_ID.copy(der, pos);
  pos += t.issuer.copy(der, pos);
  pos = putHeader(der, pos, SEQUENCE, validity);
  for (const time of [notBefore, notAfter]) {
    pos = putHeader(der, pos, time.tag, time.text.length);
    pos += der.write(time.text, pos, 'latin1');
  }
  pos += t.subject.copy(der, pos);
  pos += f.spki.copy(der, pos);
  pos = putHeader(der, pos, 0xa3, elementLength(extensionList));
  pos = putHeader(der, pos, SEQUENCE, extensionList);
  pos += FIXED_WORKLOAD_EXTENSIONS.copy(der, pos);
  pos = putHeader(der, pos, SEQUENCE, OID_SUBJECT_ALT_NAME.length + elementLength(sanOctets));
  pos += OID_SUBJECT_ALT_NAME.copy(der, pos);
  pos = putHeader(der, pos, OCTET_STRING, sanOctets);
  pos = putHeader(der, pos, SEQUENCE, sanNames);
  pos = putHeader(der, pos, 0x86, uriLength);
  pos += der.write(f.identity, pos, 'latin1');
  pos = putHeader(der, pos, SEQUENCE, OID_SUBJECT_KEY_ID.length + elementLength(skiOctets));
  pos += OID_SUBJECT_KEY_ID.copy(der, pos);
  pos = putHeader(der, pos, OCTET_STRING, skiOctets);
  pos = putHeader(der, pos, OCTET_STRING, f.subjectKeyId.length);
  pos += f.subjectKeyId.copy(der, pos);
  pos += t.authorityKeyIdExtension.copy(der, pos);
  const tbsEnd = pos;
  pos += SHA256_WITH_RSA_ALGORITHM_ID.copy(der, pos);
  pos = putHeader(der, pos, BIT_STRING, 1 + signatureLength);
  der[pos++] = 0; // no unused bits
  if (pos + signatureLength !== der.length || tbsEnd - tbsStart !== tbs) throw new Error('workload certificate encoder: length mismatch');
  return { der, tbsStart, tbsEnd, signatureStart: pos };
}

/** The DER TBSCertificate of a workload certificate (see {@link encodeWorkloadCertificate}). */
export function encodeWorkloadTbs(t: WorkloadTemplate, f: WorkloadFields): Buffer {
  const c = encodeWorkloadCertificate(t, f, 0);
  return Buffer.from(c.der.subarray(c.tbsStart, c.tbsEnd));
}

/** Signs an encoded certificate in place with `sign` (over the TBSCertificate octets); returns the DER. */
export function signInPlace(c: UnsignedCertificate, sign: (tbs: Buffer) => Buffer): Buffer {
  const signature = sign(c.der.subarray(c.tbsStart, c.tbsEnd));
  if (signature.length !== c.der.length - c.signatureStart) throw new Error(`the signature has ${signature.length} octets; ${c.der.length - c.signatureStart} were expected`);
  signature.copy(c.der, c.signatureStart);
  return c.der;
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
