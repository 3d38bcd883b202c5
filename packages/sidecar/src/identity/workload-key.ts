import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { generateRsaKey, nativeRsaSigner } from '@mesh/runtime';
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
  const key = await generateRsaKey(bits);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  // The CA ignores the subject; the identity is the SAN alone.
  csr.setSubject([]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 6, value: identity }] }] }]);
  // forge types the signing key as its own RSA key, but calls nothing on it except sign(md).
  csr.sign(nativeRsaSigner(key) as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { key, keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), csrPem: forge.pki.certificationRequestToPem(csr) };
}
