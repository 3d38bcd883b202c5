import crypto from 'node:crypto';
import forge from 'node-forge';
import { generateRsaKey } from '@mesh/runtime';
import { forgeSigningKey, toForgePublicKey } from '../ca/forge-keys.js';

/** Subject alternative names to put in a test CSR (forge's shape: 6 = URI, 2 = DNS, 7 = IP). */
export type TestAltName = { type: 6 | 2; value: string } | { type: 7; ip: string };

/** Options for {@link makeTestCsr}: SANs, key size, and deliberate defects. */
export interface TestCsrOptions {
  altNames?: TestAltName[];
  keyBits?: number;
  /** Sign with a different key than the one in the CSR (the signature then does not verify). */
  badSignature?: boolean;
}

/** A CSR (PEM) and its private key (PKCS#8 PEM), for tests of anything that signs CSRs. */
export async function makeTestCsr(identityOrOptions: string | TestCsrOptions): Promise<{ csrPem: string; keyPem: string }> {
  const opts: TestCsrOptions = typeof identityOrOptions === 'string' ? { altNames: [{ type: 6, value: identityOrOptions }] } : identityOrOptions;
  const key = await generateRsaKey(opts.keyBits ?? 2048);
  const signingKey = opts.badSignature ? await generateRsaKey(opts.keyBits ?? 2048) : key;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = toForgePublicKey(crypto.createPublicKey(key));
  csr.setSubject([{ name: 'organizationName', value: 'test' }]);
  if (opts.altNames && opts.altNames.length > 0) csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: opts.altNames }] }]);
  csr.sign(forgeSigningKey(signingKey), forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
