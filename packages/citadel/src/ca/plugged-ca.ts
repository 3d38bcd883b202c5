import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@mesh/runtime';
import { MeshError } from '@mesh/shared-api';
import { isExposed, readFileIfExists } from '../state-files.js';
import { checkPair } from './key-store.js';
import type { LoadedCa } from './key-store.js';

/** Istio's `cacerts` layout (the `cacerts` Secret mounted at /etc/cacerts). */
export const CACERTS_FILES = {
  /** The signing (intermediate) certificate. */
  caCert: 'ca-cert.pem',
  /** Its private key (RSA, PKCS#1 or PKCS#8 PEM). */
  caKey: 'ca-key.pem',
  /** The root(s) workloads trust: the trust bundle. */
  rootCert: 'root-cert.pem',
  /** ca-cert.pem and the certificates above it, up to (optionally including) the root. */
  certChain: 'cert-chain.pem',
} as const;

/** Warn when the plugged-in signing certificate has less than this left. */
const EXPIRY_WARNING_MS = 30 * 86400_000;

/** Splits a PEM bundle into its certificates (each ending with a newline). */
export function splitPem(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => `${p}\n`);
}

/**
 * Loads a plugged-in CA from a directory in Istio's `cacerts` layout. Checks what would otherwise
 * only fail in a peer's handshake: the key belongs to ca-cert.pem, which is a CA; cert-chain.pem
 * starts with ca-cert.pem and each certificate is signed by the next; the chain ends at one of the
 * roots in root-cert.pem (appended when cert-chain.pem stops below it); nothing has expired.
 * Issued chains are leaf + cert-chain + root, as Istio returns them.
 */
export function loadPluggedCa(dir: string, logger: Logger): LoadedCa {
  const file = (name: string): string => path.join(dir, name);
  const read = (name: string): string => {
    const data = readFileIfExists(file(name));
    if (data === undefined || data.trim() === '') {
      throw new MeshError('INTERNAL', `MESH_CITADEL_CACERTS_DIR: ${file(name)} is missing or empty (a plugged-in CA needs ${Object.values(CACERTS_FILES).join(', ')})`);
    }
    return data;
  };
  // Only the first certificate of ca-cert.pem is the signing certificate; the chain is cert-chain.pem's.
  const caCertPem = splitPem(read(CACERTS_FILES.caCert))[0] ?? '';
  const caKeyPem = read(CACERTS_FILES.caKey);
  const rootPems = splitPem(read(CACERTS_FILES.rootCert));
  const chainPems = splitPem(read(CACERTS_FILES.certChain));
  if (rootPems.length === 0) throw new MeshError('INTERNAL', `${file(CACERTS_FILES.rootCert)} holds no PEM certificate`);
  const { key, cert: signing } = checkPair(caKeyPem, caCertPem, file(CACERTS_FILES.caKey), file(CACERTS_FILES.caCert));
  if (isExposed(file(CACERTS_FILES.caKey))) logger.warn({ file: file(CACERTS_FILES.caKey) }, 'the CA key file is readable by group or others; chmod 600 it');

  let chain: crypto.X509Certificate[];
  let roots: crypto.X509Certificate[];
  try {
    chain = chainPems.map((p) => new crypto.X509Certificate(p));
    roots = rootPems.map((p) => new crypto.X509Certificate(p));
  } catch (err) {
    throw new MeshError('INTERNAL', `${dir}: cert-chain.pem or root-cert.pem holds something that is not a certificate: ${(err as Error).message}`, [], { cause: err });
  }
  if (chain.length === 0 || chain[0]!.fingerprint256 !== signing.fingerprint256) {
    throw new MeshError('INTERNAL', `${file(CACERTS_FILES.certChain)} must start with ca-cert.pem, followed by the certificates above it`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) {
      throw new MeshError('INTERNAL', `${file(CACERTS_FILES.certChain)}: certificate ${i} (${chain[i]!.subject.replace(/\n/g, ', ')}) is not signed by certificate ${i + 1}`);
    }
  }
  const top = chain[chain.length - 1]!;
  const rootIndex = roots.findIndex((r) => r.fingerprint256 === top.fingerprint256);
  const issuerIndex = rootIndex >= 0 ? rootIndex : roots.findIndex((r) => top.checkIssued(r) && top.verify(r.publicKey));
  if (issuerIndex < 0) throw new MeshError('INTERNAL', `${dir}: cert-chain.pem does not lead to a root in root-cert.pem`);
  // Leaf + chain + root: peers that hold only the root can build the whole path.
  const fullChain = rootIndex >= 0 ? chainPems : [...chainPems, rootPems[issuerIndex]!];
  const now = Date.now();
  for (const [i, c] of [...chain, roots[issuerIndex]!].entries()) {
    const notAfter = new Date(c.validTo).getTime();
    if (notAfter <= now) throw new MeshError('INTERNAL', `${dir}: ${i === 0 ? 'ca-cert.pem' : `certificate ${i} of the chain`} expired on ${c.validTo}`);
  }
  const signingNotAfter = new Date(signing.validTo);
  if (signingNotAfter.getTime() - now < EXPIRY_WARNING_MS) logger.warn({ notAfter: signingNotAfter.toISOString() }, 'the plugged-in CA certificate expires within 30 days; workload certificates are cut to its expiry');
  const root = roots[issuerIndex]!;
  return {
    keys: { signingKey: key, signingCertPem: caCertPem, chainPems: fullChain, rootCertPems: rootPems },
    created: false,
    fingerprint: root.fingerprint256,
    notAfter: new Date(root.validTo),
    source: 'plugged-in',
  };
}
