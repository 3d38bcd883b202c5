import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@mesh/runtime';
import { tlsMaterialOf } from './tls-material.js';
import type { WorkloadCertificate } from './types.js';

/** Istio's `/etc/certs` file names: what Pilot's `MESH_PILOT_TLS_*_FILE` (or any file-based TLS server) points at. */
export const CERTIFICATE_FILES = Object.freeze({ chain: 'cert-chain.pem', key: 'key.pem', root: 'root-cert.pem' });

/** What the writer follows: the certificate agent (its `subscribe` calls back at once with the current certificate). */
export interface CertificateFeed {
  subscribe(listener: (cert: WorkloadCertificate) => void): () => void;
}

/**
 * Writes a certificate into `dir` as the three PEM files: chain (leaf and intermediates), key
 * (0600) and the mesh root. Each file is written aside and renamed, so a reader never sees a
 * half-written file; the key goes first so that a reader polling between renames sees, at worst,
 * the new key with the old chain for an instant and retries at its next refresh.
 */
export function writeCertificateFiles(dir: string, cert: WorkloadCertificate): void {
  const m = tlsMaterialOf(cert);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const put = (name: string, text: string, mode: number): void => {
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, path.join(dir, name));
  };
  put(CERTIFICATE_FILES.key, m.key, 0o600);
  put(CERTIFICATE_FILES.chain, m.cert, 0o644);
  put(CERTIFICATE_FILES.root, m.ca, 0o644);
}

/**
 * Keeps the agent's certificate on disk for a process that reads certificate files — Istio 1.4's
 * pilot-agent beside pilot-discovery: `mesh-sidecar --mode agent --cert-output-dir <dir>` gives
 * Pilot's mTLS xDS port a Citadel certificate that rotates, and Pilot re-reads the files.
 */
export class CertificateFileWriter {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly feed: CertificateFeed,
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Writes the current certificate (if any) and every later one. */
  start(): void {
    this.unsubscribe ??= this.feed.subscribe((cert) => {
      try {
        writeCertificateFiles(this.dir, cert);
        this.logger.info({ dir: this.dir, identity: cert.identity, notAfter: cert.notAfter.toISOString() }, 'certificate written to files');
      } catch (err) {
        this.logger.error({ err, dir: this.dir }, 'could not write the certificate files');
      }
    });
  }

  /** Stops following the agent (the files stay). Idempotent. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
