import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { Logger } from '@mesh/runtime';
import { createSelfSignedCertificate } from './self-signed-cert.js';
import type { CertificatePair } from './self-signed-cert.js';

/** Where the webhook server's certificate comes from. */
export interface WebhookTlsSettings {
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** The certificate to serve, and whether it was generated here. */
export interface WebhookTls extends CertificatePair {
  readonly selfSigned: boolean;
}

/**
 * Reads the webhook certificate and key from their files, or — when neither is set — generates
 * a self-signed certificate for local use (logged, since the Kubernetes API server will only call
 * a webhook whose certificate its `caBundle` trusts). Setting only one of the two is an error.
 */
export async function loadWebhookTls(settings: WebhookTlsSettings, logger: Logger): Promise<WebhookTls> {
  const { certFile, keyFile } = settings;
  if (certFile && keyFile) return { ...(await readPair(certFile, keyFile)), selfSigned: false };
  if (certFile || keyFile) throw new Error('set both MESH_GALLEY_WEBHOOK_CERT_FILE and MESH_GALLEY_WEBHOOK_KEY_FILE, or neither (a self-signed certificate is then generated)');
  const pair = createSelfSignedCertificate({
    commonName: 'mesh-galley',
    dnsNames: ['localhost', os.hostname(), 'mesh-galley', 'mesh-galley.mesh-system', 'mesh-galley.mesh-system.svc'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  logger.warn(
    'webhook server uses a self-signed certificate generated at start (local use only): set MESH_GALLEY_WEBHOOK_CERT_FILE and MESH_GALLEY_WEBHOOK_KEY_FILE to a certificate your API server trusts',
  );
  return { ...pair, selfSigned: true };
}

/** Reads a certificate/key pair; the error names the file that could not be read. */
export async function readPair(certFile: string, keyFile: string): Promise<CertificatePair> {
  const read = (file: string, what: string) =>
    fs.readFile(file, 'utf8').catch((err: unknown) => {
      throw new Error(`cannot read the webhook ${what} file ${file}: ${err instanceof Error ? err.message : String(err)}`);
    });
  const [certPem, keyPem] = await Promise.all([read(certFile, 'certificate'), read(keyFile, 'key')]);
  return { certPem, keyPem };
}
