import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * A forge "private key" whose `sign(md)` runs in native crypto. forge's own RSA signing is pure JS
 * (~34 ms per signature, blocking the event loop); this is ~1 ms. forge has already hashed the
 * TBS bytes into `md`; RSASSA-PKCS1-v1_5 (RFC 8017 §9.2) then signs DigestInfo{algorithm, digest},
 * which is exactly what `privateEncrypt` with PKCS#1 type-1 padding produces.
 */
export function nativeRsaSigner(key: KeyObject): forge.pki.rsa.PrivateKey {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const oid = forge.pki.oids[md.algorithm];
      if (!oid) throw new Error(`no OID for digest ${md.algorithm}`);
      const digestInfo = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
        forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
          forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(oid).getBytes()),
          forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, ''),
        ]),
        forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, md.digest().getBytes()),
      ]);
      const der = Buffer.from(forge.asn1.toDer(digestInfo).getBytes(), 'binary');
      return crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, der).toString('binary');
    },
  };
  // forge only calls sign(md) on the key it is given (cert.sign / csr.sign).
  return signer as unknown as forge.pki.rsa.PrivateKey;
}

/** A native public key as forge's key object (forge builds certificates around forge keys). */
export function toForgePublicKey(key: KeyObject): forge.pki.rsa.PublicKey {
  const pem = key.export({ type: 'spki', format: 'pem' }).toString();
  return forge.pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey;
}

/** Generates an RSA key with native crypto, off the event loop. */
export function generateRsaKey(bits: number): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    crypto.generateKeyPair('rsa', { modulusLength: bits }, (err, _pub, priv) => (err ? reject(err) : resolve(priv)));
  });
}

/** A forge public key as a native key object. */
export function toNativePublicKey(key: forge.pki.PublicKey): KeyObject {
  return crypto.createPublicKey(forge.pki.publicKeyToPem(key));
}
