import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * RSASSA-PKCS1-v1_5 signing (RFC 8017 §8.2) of a digest someone else computed, in native crypto.
 * node-forge builds CSRs and certificates but signs in pure JS (~34 ms per RSA-2048 signature,
 * blocking the event loop); handing `cert.sign()` / `csr.sign()` a {@link nativeRsaSigner} instead
 * of a forge private key makes that ~1 ms. forge calls the same `key.sign(md)` for both, so one
 * signer serves the CA (certificates) and the sidecar (CSRs). This module knows forge only
 * structurally, so @mesh/runtime does not depend on node-forge.
 */

/**
 * DER of `DigestInfo ::= SEQUENCE { AlgorithmIdentifier { OID, NULL }, OCTET STRING }` up to the
 * digest bytes, from RFC 8017 §9.2 note 1 (Go's crypto/rsa keeps the same table). Keyed by forge's
 * `md.algorithm` names, which are also Node's hash names.
 */
const DIGEST_INFO_PREFIXES: ReadonlyMap<string, Buffer> = new Map([
  ['sha1', Buffer.from('3021300906052b0e03021a05000414', 'hex')],
  ['sha256', Buffer.from('3031300d060960864801650304020105000420', 'hex')],
  ['sha384', Buffer.from('3041300d060960864801650304020205000430', 'hex')],
  ['sha512', Buffer.from('3051300d060960864801650304020305000440', 'hex')],
]);

/** The part of a node-forge `forge.md.MessageDigest` the signer reads. */
export interface ForgeMessageDigest {
  readonly algorithm: string;
  digest(): { getBytes(): string };
}

/** What forge calls on the key given to `cert.sign(key, md)` / `csr.sign(key, md)`; returns a binary string. */
export interface ForgeRsaSigner {
  sign(md: ForgeMessageDigest): string;
}

/** Signs an already-computed digest with RSASSA-PKCS1-v1_5; throws on a hash it has no DigestInfo for or a digest of the wrong length. */
export function signRsaDigest(key: KeyObject, algorithm: string, digest: Buffer): Buffer {
  const prefix = DIGEST_INFO_PREFIXES.get(algorithm);
  if (!prefix) throw new Error(`no DigestInfo for digest algorithm ${algorithm} (supported: ${[...DIGEST_INFO_PREFIXES.keys()].join(', ')})`);
  // The prefix's last octet is the OCTET STRING length, i.e. the digest size.
  if (digest.length !== prefix[prefix.length - 1]) throw new Error(`a ${algorithm} digest is ${prefix[prefix.length - 1]} bytes, got ${digest.length}`);
  // privateEncrypt with PKCS#1 padding is EMSA-PKCS1-v1_5 type-1 padding + RSA over the given bytes.
  return crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.concat([prefix, digest]));
}

/**
 * A signer for node-forge's `cert.sign()` / `csr.sign()` that signs natively with `key`. forge has
 * already hashed the TBS bytes into `md`; forge's types want a `forge.pki.rsa.PrivateKey`, so the
 * caller casts (forge calls nothing but `sign(md)` on it).
 */
export function nativeRsaSigner(key: KeyObject): ForgeRsaSigner {
  return {
    sign(md: ForgeMessageDigest): string {
      return signRsaDigest(key, md.algorithm, Buffer.from(md.digest().getBytes(), 'binary')).toString('binary');
    },
  };
}
