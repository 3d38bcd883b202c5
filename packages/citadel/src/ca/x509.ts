import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** What goes into one certificate; the issuer is a forge certificate, or `self` for a root. */
export interface CertificateTemplate {
  publicKey: forge.pki.PublicKey;
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.Certificate | 'self';
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
}

/** A signed certificate: forge's object, its DER and PEM. */
export interface BuiltCertificate {
  cert: forge.pki.Certificate;
  der: Buffer;
  pem: string;
}

/**
 * A random positive serial of 128 bits (RFC 5280 §4.1.2.2 allows up to 20 octets; CA/B Forum asks
 * for at least 64 random bits). The first octet is 0x01–0x7f so the DER INTEGER is positive and
 * minimal without a leading zero octet.
 */
export function randomSerialHex(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

/**
 * Builds a certificate with forge and signs it with native crypto: sha256WithRSAEncryption over
 * the DER TBSCertificate (RFC 5280 §4.1.1.3). forge builds the ASN.1; the hash and the RSA
 * signature are native (forge's JS SHA-256 and RSA would cost more than the rest together).
 */
export function buildCertificate(template: CertificateTemplate, signingKey: KeyObject): BuiltCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = template.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = template.notBefore;
  cert.validity.notAfter = template.notAfter;
  cert.setSubject(template.subject);
  cert.setIssuer(template.issuer === 'self' ? template.subject : template.issuer.subject.attributes);
  cert.setExtensions(template.extensions);
  const oid = forge.pki.oids['sha256WithRSAEncryption']!;
  // forge's typings omit these writable fields; they are what cert.sign() sets.
  const c = cert as forge.pki.Certificate & { signatureOid: string; siginfo: { algorithmOid: string }; tbsCertificate: forge.asn1.Asn1; signature: string };
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  const signature = crypto.sign('sha256', tbs, signingKey);
  c.signature = signature.toString('binary');
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }:
  // assembled from the TBS bytes already encoded, instead of forge encoding them a second time.
  const bitString = Buffer.concat([Buffer.from([0x03]), derLength(signature.length + 1), Buffer.from([0]), signature]);
  const body = Buffer.concat([tbs, SHA256_WITH_RSA_ALGORITHM_ID, bitString]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  return { cert, der, pem: derToPem(der, 'CERTIFICATE') };
}

/** AlgorithmIdentifier { sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL } in DER. */
const SHA256_WITH_RSA_ALGORITHM_ID = Buffer.from('300d06092a864886f70d01010b0500', 'hex');

/** DER length octets (X.690 §8.1.3.3–8.1.3.5). */
function derLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** PEM armour (RFC 7468): base64 in lines of 64 characters, CRLF like forge writes it. */
export function derToPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\r\n${lines.join('\r\n')}\r\n-----END ${label}-----\r\n`;
}

/** A subjectKeyIdentifier extension with its value already computed (forge would compute it in JS). */
export function subjectKeyIdExtension(keyId: Buffer): object {
  return {
    name: 'subjectKeyIdentifier',
    subjectKeyIdentifier: keyId.toString('hex'),
    value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, keyId.toString('binary')),
  };
}

/** The issuer's key identifier as raw bytes, for the child's authorityKeyIdentifier (RFC 5280 §4.2.1.1). */
export function keyIdentifierOf(issuer: forge.pki.Certificate): string {
  const ext = issuer.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  return ext?.subjectKeyIdentifier ? forge.util.hexToBytes(ext.subjectKeyIdentifier) : issuer.generateSubjectKeyIdentifier().getBytes();
}

/** Serial number as upper-case hex, the way openssl and Node's X509Certificate print it. */
export function serialOf(cert: forge.pki.Certificate): string {
  return cert.serialNumber.toUpperCase();
}
