import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { generateRsaKey } from '@mesh/runtime';
import { toForgePublicKey } from './forge-keys.js';
import { buildCertificate } from './x509.js';

/** Root key size: RSA-2048 is Istio's default for its self-signed root and fast to sign with. */
export const ROOT_KEY_BITS = 2048;
/** Root lifetime (Istio's self-signed root also lives 10 years). */
export const ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

/** Options for a new self-signed root. */
export interface SelfSignedRootOptions {
  key: KeyObject;
  trustDomain: string;
  now?: number;
  ttlMs?: number;
}

/** Generates the root's RSA key with native crypto, off the event loop. */
export function generateRootKey(bits = ROOT_KEY_BITS): Promise<KeyObject> {
  return generateRsaKey(bits);
}

/**
 * A self-signed root: CA:true (critical), keyCertSign + cRLSign (critical), O = the trust domain.
 * Without a pathLenConstraint, so a future intermediate (plugged-in CA) can chain to it.
 */
export function createSelfSignedRoot(opts: SelfSignedRootOptions): string {
  const now = opts.now ?? Date.now();
  const subject = [
    { name: 'organizationName', value: opts.trustDomain },
    { name: 'commonName', value: `mesh-citadel root CA (${opts.trustDomain})` },
  ];
  return buildCertificate(
    {
      publicKey: toForgePublicKey(crypto.createPublicKey(opts.key)),
      subject,
      issuer: 'self',
      // A minute early, so hosts whose clocks lag slightly accept certificates issued right away.
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + (opts.ttlMs ?? ROOT_TTL_MS)),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        { name: 'subjectKeyIdentifier' },
      ],
    },
    opts.key,
  ).pem;
}
