import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { nativeRsaSigner, signRsaDigest } from './native-rsa-signer.js';
import type { ForgeMessageDigest } from './native-rsa-signer.js';
import { generateRsaKey } from './rsa-key.js';

/** A stand-in for a forge MessageDigest that has hashed `data` (forge hands out binary strings). */
function forgeDigestOf(algorithm: string, data: Buffer): ForgeMessageDigest {
  return { algorithm, digest: () => ({ getBytes: () => crypto.createHash(algorithm).update(data).digest('binary') }) };
}

describe('nativeRsaSigner', () => {
  const data = Buffer.from('the TBSCertificate bytes forge hashed');
  let key: KeyObject;

  beforeAll(async () => {
    key = await generateRsaKey(2048);
  });

  // PKCS#1 v1.5 signatures are deterministic, so the DigestInfo is right iff the bytes equal Node's own signature.
  it.each(['sha1', 'sha256', 'sha384', 'sha512'])('signs a %s digest exactly as crypto.sign signs the data', (algorithm) => {
    const signature = Buffer.from(nativeRsaSigner(key).sign(forgeDigestOf(algorithm, data)), 'binary');
    expect(signature.equals(crypto.sign(algorithm, data, key))).toBe(true);
    expect(crypto.verify(algorithm, data, crypto.createPublicKey(key), signature)).toBe(true);
  });

  it('refuses a digest algorithm it has no DigestInfo for', () => {
    expect(() => nativeRsaSigner(key).sign(forgeDigestOf('md5', data))).toThrow(/no DigestInfo for digest algorithm md5/);
  });
});

describe('signRsaDigest', () => {
  it('refuses a digest whose length does not match the algorithm', async () => {
    const key = await generateRsaKey(1024);
    expect(() => signRsaDigest(key, 'sha256', crypto.createHash('sha1').update('x').digest())).toThrow(/sha256 digest is 32 bytes, got 20/);
  });
});
