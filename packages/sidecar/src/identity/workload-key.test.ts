import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spiffeId } from '@mesh/shared-api';
import { generateKeyAndCsr } from './workload-key.js';

describe('generateKeyAndCsr', () => {
  it('makes an RSA-2048 key and a CSR that openssl verifies, with the SPIFFE ID as its only SAN', async () => {
    const id = spiffeId('cluster.local', 'shop', 'booking');
    const { key, keyPem, csrPem } = await generateKeyAndCsr(id);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(crypto.createPrivateKey(keyPem).equals(key)).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-csr-'));
    try {
      fs.writeFileSync(path.join(dir, 'csr.pem'), csrPem);
      const out = execFileSync('openssl', ['req', '-in', path.join(dir, 'csr.pem'), '-verify', '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toMatch(/X509v3 Subject Alternative Name:\s*\n\s*URI:spiffe:\/\/cluster.local\/ns\/shop\/sa\/booking\s*\n/);
      expect(out).toMatch(/Public-Key: \(2048 bit\)/);
      const verified = execFileSync('openssl', ['req', '-in', path.join(dir, 'csr.pem'), '-verify', '-noout'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(verified).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
