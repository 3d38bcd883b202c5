import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** A fresh key and a CSR for one identity. */
export interface KeyAndCsr {
  key: KeyObject;
  keyPem: string;
  csrPem: string;
}

/** RSA-2048: what Citadel requires at least, and what Istio's agent generates by default. */
export const WORKLOAD_KEY_BITS = 2048;

/**
 * Generates an RSA key (native crypto, off the event loop) and a PKCS#10 CSR whose only SAN is the
 * SPIFFE URI. forge builds the CSR; the signature is made natively, because forge's JS RSA
 * signing blocks the event loop for tens of milliseconds.
 */
export async function generateKeyAndCsr(identity: string, bits = WORKLOAD_KEY_BITS): Promise<KeyAndCsr> {
  const key = await new Promise<KeyObject>((resolve, reject) => {
    crypto.generateKeyPair('rsa', { modulusLength: bits }, (err, _pub, priv) => (err ? reject(err) : resolve(priv)));
  });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  // The CA ignores the subject; the identity is the SAN alone.
  csr.setSubject([]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 6, value: identity }] }] }]);
  csr.sign(nativeRsaSigner(key), forge.md.sha256.create());
  return { key, keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), csrPem: forge.pki.certificationRequestToPem(csr) };
}

/**
 * A forge "private key" whose `sign(md)` signs natively: RSASSA-PKCS1-v1_5 (RFC 8017 §9.2) over
 * DigestInfo{algorithm, digest of the bytes forge hashed}, i.e. `privateEncrypt` with type-1 padding.
 */
function nativeRsaSigner(key: KeyObject): forge.pki.rsa.PrivateKey {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const oid = forge.pki.oids[md.algorithm];
      if (!oid) throw new Error(`no OID for digest ${md.algorithm}`);
      const { asn1 } = forge;
      const digestInfo = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
        ]),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, md.digest().getBytes()),
      ]);
      const der = Buffer.from(asn1.toDer(digestInfo).getBytes(), 'binary');
      return crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, der).toString('binary');
    },
  };
  // forge only calls sign(md) on the key given to csr.sign().
  return signer as unknown as forge.pki.rsa.PrivateKey;
}
