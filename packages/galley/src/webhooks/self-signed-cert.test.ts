import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import tls from 'node:tls';
import { createSelfSignedCertificate } from './self-signed-cert.js';

describe('createSelfSignedCertificate', () => {
  const pair = createSelfSignedCertificate({ commonName: 'mesh-galley', dnsNames: ['localhost', 'mesh-galley.mesh-system.svc'], ipAddresses: ['127.0.0.1', '::1'] });
  const cert = new crypto.X509Certificate(pair.certPem);

  it('is self-signed by its own key and names every host and address', () => {
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(pair.keyPem))).toBe(true);
    expect(cert.subject).toBe('CN=mesh-galley');
    expect(cert.issuer).toBe('CN=mesh-galley');
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:mesh-galley.mesh-system.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.ca).toBe(true);
  });

  it('is always DER OpenSSL accepts (random serials of every shape: minimal, positive INTEGERs)', () => {
    // Before the fix, a serial whose first random octet was 0x00 and second < 0x80 made OpenSSL
    // refuse the certificate ("illegal padding"): about one certificate in 256.
    for (let i = 0; i < 800; i++) {
      const p = createSelfSignedCertificate({ commonName: `c${i}`, dnsNames: ['localhost'], ipAddresses: [] });
      expect(() => tls.createSecureContext({ cert: p.certPem, key: p.keyPem })).not.toThrow();
      expect(new crypto.X509Certificate(p.certPem).serialNumber).toMatch(/^[1-7][0-9A-F]|^0[1-9A-F]/);
    }
  });

  it('is valid from an hour ago for a year', () => {
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    expect(Math.abs(Date.now() - 3600_000 - from)).toBeLessThan(5000);
    expect(Math.round((to - from) / 86_400_000)).toBe(365);
  });

  (existsSync('/usr/bin/openssl') ? it : it.skip)('passes openssl verify as its own trust anchor, for server authentication', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'self-signed-'));
    const file = path.join(dir, 'cert.pem');
    writeFileSync(file, pair.certPem);
    try {
      expect(execFileSync('/usr/bin/openssl', ['verify', '-purpose', 'sslserver', '-CAfile', file, file]).toString()).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
