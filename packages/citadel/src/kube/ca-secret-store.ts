import crypto from 'node:crypto';
import type { Logger } from '@mesh/runtime';
import { MeshError } from '@mesh/shared-api';
import { checkPair } from '../ca/key-store.js';
import type { LoadedCa } from '../ca/key-store.js';
import { createSelfSignedRoot, generateRootKey } from '../ca/self-signed-root.js';
import type { SecretApi, SecretData } from './kube-api.js';

/** Istio's self-signed CA Secret: name, type and keys (istio/security/pkg/pki/ca/ca.go). */
export const CA_SECRET_NAME = 'istio-ca-secret';
/** The Secret type Istio gives its CA Secret. */
export const CA_SECRET_TYPE = 'istio.io/ca-root';
/** Data keys of the CA Secret (the cacerts file names). */
export const CA_SECRET_KEYS = { cert: 'ca-cert.pem', key: 'ca-key.pem', chain: 'cert-chain.pem', root: 'root-cert.pem' } as const;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

/**
 * Loads the self-signed root from a Kubernetes Secret, creating it on first start (Istio 1.4's
 * `istio-ca-secret` in Citadel's namespace), so that every replica and every restart signs with the
 * same root. Creation is race-safe: the API server accepts one create; a replica that loses (409)
 * reads the winner's Secret.
 */
export async function loadOrCreateCaSecret(opts: { api: SecretApi; namespace: string; name: string; trustDomain: string; logger: Logger }): Promise<LoadedCa> {
  const where = `Secret ${opts.namespace}/${opts.name}`;
  let secret = await opts.api.read(opts.namespace, opts.name);
  let created = false;
  if (secret === undefined) {
    const key = await generateRootKey();
    const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const certPem = createSelfSignedRoot({ key, trustDomain: opts.trustDomain });
    const fresh: SecretData = {
      type: CA_SECRET_TYPE,
      data: { [CA_SECRET_KEYS.cert]: b64(certPem), [CA_SECRET_KEYS.key]: b64(keyPem), [CA_SECRET_KEYS.chain]: '', [CA_SECRET_KEYS.root]: b64(certPem) },
    };
    if ((await opts.api.create(opts.namespace, opts.name, fresh)) === 'created') {
      created = true;
      secret = fresh;
    } else {
      opts.logger.info({ secret: where }, 'another Citadel created the CA Secret first; using its root');
      secret = await opts.api.read(opts.namespace, opts.name);
      if (secret === undefined) throw new MeshError('UNAVAILABLE', `${where} was created by another Citadel but cannot be read back`);
    }
  }
  const certPem = unb64(secret.data[CA_SECRET_KEYS.cert]);
  const keyPem = unb64(secret.data[CA_SECRET_KEYS.key]);
  if (!certPem || !keyPem) {
    throw new MeshError('INTERNAL', `${where} lacks ${CA_SECRET_KEYS.cert} or ${CA_SECRET_KEYS.key}: restore it, or delete it to create a new root (every workload then needs the new root)`);
  }
  const loaded = checkPair(keyPem, certPem, `${where} ${CA_SECRET_KEYS.key}`, `${where} ${CA_SECRET_KEYS.cert}`);
  const rootPem = unb64(secret.data[CA_SECRET_KEYS.root]) || certPem;
  if (new crypto.X509Certificate(rootPem).fingerprint256 !== loaded.cert.fingerprint256) {
    throw new MeshError('INTERNAL', `${where}: ${CA_SECRET_KEYS.root} is not ${CA_SECRET_KEYS.cert}; a self-signed CA Secret signs with its root (plug an intermediate in with MESH_CITADEL_CACERTS_DIR instead)`);
  }
  return {
    keys: { signingKey: loaded.key, signingCertPem: certPem, chainPems: [certPem], rootCertPems: [certPem] },
    created,
    fingerprint: loaded.cert.fingerprint256,
    notAfter: new Date(loaded.cert.validTo),
    source: 'self-signed-kubernetes',
  };
}
