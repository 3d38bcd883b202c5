import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { nativeRsaSigner } from '@mesh/runtime';
import forge from 'node-forge';

/**
 * A native private key as the "private key" forge's `cert.sign()` / `csr.sign()` take: its
 * `sign(md)` runs in native crypto (see @mesh/runtime's {@link nativeRsaSigner}).
 */
export function forgeSigningKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  // forge only calls sign(md) on the key it is given.
  return nativeRsaSigner(key) as unknown as forge.pki.rsa.PrivateKey;
}

/** A native public key as forge's key object (forge builds certificates around forge keys). */
export function toForgePublicKey(key: KeyObject): forge.pki.rsa.PublicKey {
  const pem = key.export({ type: 'spki', format: 'pem' }).toString();
  return forge.pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey;
}

/** A forge public key as a native key object. */
export function toNativePublicKey(key: forge.pki.PublicKey): KeyObject {
  return crypto.createPublicKey(forge.pki.publicKeyToPem(key));
}
