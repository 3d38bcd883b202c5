import crypto from 'node:crypto';
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

/** Builds and signs a certificate (SHA-256 with RSA); `signer` is the issuer's private key. */
export function buildCertificate(template: CertificateTemplate, signer: forge.pki.rsa.PrivateKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = template.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = template.notBefore;
  cert.validity.notAfter = template.notAfter;
  cert.setSubject(template.subject);
  cert.setIssuer(template.issuer === 'self' ? template.subject : template.issuer.subject.attributes);
  cert.setExtensions(template.extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
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
