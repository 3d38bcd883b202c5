import crypto from 'node:crypto';
import { silentLogger } from '@mesh/runtime/testing';
import { CertificateAuthority } from '../ca/certificate-authority.js';
import { createSelfSignedRoot, generateRootKey } from '../ca/self-signed-root.js';
import { ServingCertificate } from './serving-certificate.js';

describe('ServingCertificate', () => {
  it('hands listeners a certificate for the hosts, then a fresh one at half its lifetime', async () => {
    const key = await generateRootKey();
    const rootPem = createSelfSignedRoot({ key, trustDomain: 'cluster.local' });
    const ca = new CertificateAuthority({ signingKey: key, signingCertPem: rootPem, chainPems: [rootPem], rootCertPems: [rootPem] }, { trustDomain: 'cluster.local', defaultTtlSeconds: 60, maxTtlSeconds: 60 });
    const serving = new ServingCertificate({ ca, hosts: ['localhost', '127.0.0.1'], logger: silentLogger(), ttlSeconds: 2, minRenewIntervalMs: 100 });
    const serials: string[] = [];
    let resolveSecond!: () => void;
    const second = new Promise<void>((r) => (resolveSecond = r));
    serving.addIdentityCertificateListener((u) => {
      const cert = new crypto.X509Certificate(u!.certificate);
      expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
      expect(cert.checkPrivateKey(crypto.createPrivateKey(u!.privateKey))).toBe(true);
      expect(cert.verify(new crypto.X509Certificate(rootPem).publicKey)).toBe(true);
      serials.push(cert.serialNumber);
      if (serials.length === 2) resolveSecond();
    });
    try {
      await serving.start();
      await second;
      expect(new Set(serials).size).toBe(2);
    } finally {
      serving.stop();
    }
  });
});
