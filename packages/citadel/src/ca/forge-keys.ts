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
  const { n, e } = key.export({ format: 'jwk' });
  const big = (b64: string | undefined): forge.jsbn.BigInteger => new forge.jsbn.BigInteger(Buffer.from(b64 ?? '', 'base64url').toString('hex'), 16);
  return forge.pki.setRsaPublicKey(big(n), big(e));
}

/** The modulus and exponent of a forge RSA public key as unsigned big-endian bytes. */
function rsaParts(key: forge.pki.rsa.PublicKey): { n: Buffer; e: Buffer } {
  const bytes = (i: forge.jsbn.BigInteger): Buffer => {
    const hex = i.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  };
  return { n: bytes(key.n), e: bytes(key.e) };
}

/**
 * A forge RSA public key as a native key object. Imported as a JWK: OpenSSL 3's PEM/DER decoders
 * cost ~0.5 ms per key, the JWK import (modulus and exponent set directly) ~25 µs.
 */
export function toNativePublicKey(key: forge.pki.PublicKey): KeyObject {
  const { n, e } = rsaParts(key as forge.pki.rsa.PublicKey);
  return crypto.createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
}

/** DER length octets (X.690 §8.1.3). */
function derLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let l = len; l > 0; l >>= 8) bytes.unshift(l & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derInteger(unsigned: Buffer): Buffer {
  let v = unsigned;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  // A set high bit would make the INTEGER negative: prefix a zero octet.
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

/**
 * The subject key identifier of an RSA key: SHA-1 of the DER `RSAPublicKey` (RFC 5280 §4.2.1.2,
 * method 1), computed natively. forge computes the same value in JS.
 */
export function subjectKeyIdOf(key: forge.pki.PublicKey): Buffer {
  const { n, e } = rsaParts(key as forge.pki.rsa.PublicKey);
  const body = Buffer.concat([derInteger(n), derInteger(e)]);
  return crypto.createHash('sha1').update(Buffer.concat([Buffer.from([0x30]), derLength(body.length), body])).digest();
}
