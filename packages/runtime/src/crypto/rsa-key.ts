import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** Generates an RSA private key with native crypto, off the event loop (forge's JS keygen blocks it for seconds). */
export function generateRsaKey(bits: number): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    crypto.generateKeyPair('rsa', { modulusLength: bits }, (err, _pub, priv) => (err ? reject(err) : resolve(priv)));
  });
}
