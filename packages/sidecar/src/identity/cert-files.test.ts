import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@mesh/runtime/testing';
import { makeTestPki } from '../testing/test-certs.js';
import type { TestPki } from '../testing/test-certs.js';
import { CERTIFICATE_FILES, CertificateFileWriter } from './cert-files.js';
import type { WorkloadCertificate } from './types.js';

describe('CertificateFileWriter', () => {
  let pki: TestPki;
  let dir: string;
  const listeners = new Set<(c: WorkloadCertificate) => void>();
  let current: WorkloadCertificate | undefined;
  const feed = {
    subscribe(l: (c: WorkloadCertificate) => void): () => void {
      listeners.add(l);
      if (current) l(current);
      return () => listeners.delete(l);
    },
  };
  const issue = (serial: string): WorkloadCertificate => {
    const c = pki.issue('pilot', ['URI:spiffe://cluster.local/ns/mesh-system/sa/pilot']);
    return { identity: 'spiffe://cluster.local/ns/mesh-system/sa/pilot', certChainPem: [c.cert, pki.caCert], keyPem: c.key, rootCertPem: pki.caCert, notBefore: new Date(), notAfter: new Date(Date.now() + 3_600_000), serial };
  };
  const file = (name: string): string => path.join(dir, name);

  beforeAll(() => {
    pki = makeTestPki();
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cert-files-')), 'certs');
  });
  afterAll(() => {
    pki.cleanup();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('writes the current certificate as chain, key (0600) and root that openssl and TLS accept, then every rotation, and stops following on stop', () => {
    current = issue('01');
    const writer = new CertificateFileWriter(feed, dir, silentLogger());
    writer.start();
    expect(fs.readdirSync(dir).sort()).toEqual([CERTIFICATE_FILES.chain, CERTIFICATE_FILES.key, CERTIFICATE_FILES.root].sort());
    expect(fs.statSync(file(CERTIFICATE_FILES.key)).mode & 0o777).toBe(0o600);
    expect(execFileSync('openssl', ['verify', '-CAfile', file(CERTIFICATE_FILES.root), file(CERTIFICATE_FILES.chain)], { encoding: 'utf8' })).toMatch(/OK/);
    // The chain holds the leaf only (the root is in its own file); key and chain belong together.
    expect(fs.readFileSync(file(CERTIFICATE_FILES.chain), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const spki = (k: crypto.KeyObject): string => k.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(spki(crypto.createPublicKey(fs.readFileSync(file(CERTIFICATE_FILES.key))))).toBe(spki(new crypto.X509Certificate(fs.readFileSync(file(CERTIFICATE_FILES.chain))).publicKey));

    const next = issue('02');
    for (const l of listeners) l(next);
    expect(fs.readFileSync(file(CERTIFICATE_FILES.key), 'utf8')).toBe(next.keyPem);
    writer.stop();
    expect(listeners.size).toBe(0);
  });
});
