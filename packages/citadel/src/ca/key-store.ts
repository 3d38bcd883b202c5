import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@mesh/runtime';
import { MeshError } from '@mesh/shared-api';
import { createFileExclusive, ensureStateDir, isExposed, readFileIfExists, waitForFile } from '../state-files.js';
import type { CaKeyMaterial } from './certificate-authority.js';
import { createSelfSignedRoot, generateRootKey } from './self-signed-root.js';

/** The CA private key in the state directory (Istio's file name), PKCS#8 PEM, mode 0600. */
export const CA_KEY_FILE = 'ca-key.pem';
/** The root certificate in the state directory (Istio's file name): the trust bundle. */
export const ROOT_CERT_FILE = 'root-cert.pem';

/** Where the CA came from: a self-signed root in the state directory or in a Kubernetes Secret, or plugged-in key material (cacerts). */
export type CaSource = 'self-signed-file' | 'self-signed-kubernetes' | 'plugged-in';

/** A loaded or newly created CA and facts worth logging. */
export interface LoadedCa {
  keys: CaKeyMaterial;
  created: boolean;
  /** SHA-256 fingerprint of the root (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint: string;
  notAfter: Date;
  source?: CaSource;
}

/** How long to wait for the other file of the pair when another replica is creating the CA. */
const PAIR_WAIT_MS = 5000;

/**
 * Loads the self-signed CA from `stateDir`, creating it on first start: `ca-key.pem` (PKCS#8,
 * 0600) and `root-cert.pem`. The key is published first and the root second; whoever publishes
 * the key wins a race between replicas sharing the directory, and the others load the winner's.
 */
export async function loadOrCreateSelfSignedCa(opts: { stateDir: string; trustDomain: string; logger: Logger; pairWaitMs?: number }): Promise<LoadedCa> {
  const keyFile = path.join(opts.stateDir, CA_KEY_FILE);
  const certFile = path.join(opts.stateDir, ROOT_CERT_FILE);
  ensureStateDir(opts.stateDir);
  let keyPem = readFileIfExists(keyFile);
  let certPem = readFileIfExists(certFile);
  let created = false;
  if (keyPem === undefined && certPem === undefined) {
    const key = await generateRootKey();
    const newKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const newCertPem = createSelfSignedRoot({ key, trustDomain: opts.trustDomain });
    if (createFileExclusive(keyFile, newKeyPem, 0o600)) {
      createFileExclusive(certFile, newCertPem, 0o644);
      created = true;
    }
    keyPem = readFileIfExists(keyFile);
    certPem = readFileIfExists(certFile);
  }
  keyPem ??= await waitForFile(keyFile, opts.pairWaitMs ?? PAIR_WAIT_MS);
  certPem ??= await waitForFile(certFile, opts.pairWaitMs ?? PAIR_WAIT_MS);
  if (keyPem === undefined) {
    throw new MeshError('INTERNAL', `${certFile} exists but ${keyFile} does not: restore the CA key, or remove ${certFile} to create a new root (every workload then needs the new root)`);
  }
  if (certPem === undefined) {
    throw new MeshError('INTERNAL', `${keyFile} exists but ${certFile} does not: restore the root certificate, or remove ${keyFile} to create a new root (every workload then needs the new root)`);
  }
  if (isExposed(keyFile)) opts.logger.warn({ file: keyFile }, 'the CA key file is readable by group or others; chmod 600 it');
  const loaded = checkPair(keyPem, certPem, keyFile, certFile);
  return { keys: { signingKey: loaded.key, signingCertPem: certPem, chainPems: [certPem], rootCertPems: [certPem] }, created, fingerprint: loaded.cert.fingerprint256, notAfter: new Date(loaded.cert.validTo), source: 'self-signed-file' };
}

/** Parses a CA key and its certificate and checks they belong together, the certificate is a CA and has not expired. */
export function checkPair(keyPem: string, certPem: string, keyFile: string, certFile: string): { key: KeyObject; cert: crypto.X509Certificate } {
  let key: KeyObject;
  let cert: crypto.X509Certificate;
  try {
    key = crypto.createPrivateKey(keyPem);
  } catch (err) {
    throw new MeshError('INTERNAL', `${keyFile} is not a PEM private key`, [], { cause: err });
  }
  try {
    cert = new crypto.X509Certificate(certPem);
  } catch (err) {
    throw new MeshError('INTERNAL', `${certFile} is not a PEM certificate`, [], { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new MeshError('INTERNAL', `${keyFile} is a ${key.asymmetricKeyType} key; Citadel signs with RSA`);
  if (!cert.checkPrivateKey(key)) throw new MeshError('INTERNAL', `${keyFile} does not belong to ${certFile}`);
  if (!cert.ca) throw new MeshError('INTERNAL', `${certFile} is not a CA certificate (basicConstraints CA:true)`);
  if (new Date(cert.validTo).getTime() <= Date.now()) {
    throw new MeshError('INTERNAL', `the root in ${certFile} expired on ${cert.validTo}; remove ${keyFile} and ${certFile} to create a new root`);
  }
  return { key, cert };
}
