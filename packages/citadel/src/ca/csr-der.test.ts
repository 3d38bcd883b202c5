import crypto from 'node:crypto';
import forge from 'node-forge';
import { makeTestCsr } from '../testing/workload-csr.js';
import { readCsrDer } from './csr-der.js';
import { parseWorkloadCsr } from './csr.js';

const ID = 'spiffe://cluster.local/ns/shop/sa/booking';
const derOf = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const pemOf = (der: Buffer): string => `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;

describe('readCsrDer', () => {
  it('finds what forge finds: the signed info, the key, the signature and the SAN URIs', async () => {
    const { csrPem } = await makeTestCsr({ altNames: [{ type: 6, value: ID }, { type: 2, value: 'booking.shop' }, { type: 7, ip: '10.1.2.3' }] });
    const f = readCsrDer(derOf(csrPem))!;
    const csr = forge.pki.certificationRequestFromPem(csrPem);
    expect(f.info.equals(Buffer.from(forge.asn1.toDer(csr.certificationRequestInfo!).getBytes(), 'binary'))).toBe(true);
    expect(f.digest).toBe('sha256');
    expect(f.signature.equals(Buffer.from(csr.signature as string, 'binary'))).toBe(true);
    expect(f.key.type === 'rsa' && f.key.n.toString('hex')).toBe((csr.publicKey as forge.pki.rsa.PublicKey).n.toString(16));
    expect(f.altNames).toEqual([
      { kind: 'uri', value: ID },
      { kind: 'dns', value: 'booking.shop' },
      { kind: 'ip', value: '10.1.2.3' },
    ]);
  });

  it('never throws and never yields another identity on corrupted or truncated input', async () => {
    const { csrPem } = await makeTestCsr(ID);
    const der = derOf(csrPem);
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    let ok = 0;
    for (let i = 0; i < 1500; i++) {
      const mutated = Buffer.from(der);
      if (i % 3 === 0) {
        mutated[rnd(mutated.length)] = rnd(256);
      } else if (i % 3 === 1) {
        for (let k = 0; k < 4; k++) mutated[rnd(mutated.length)] = rnd(256);
      }
      const input = i % 3 === 2 ? mutated.subarray(0, rnd(mutated.length)) : mutated;
      expect(() => readCsrDer(input)).not.toThrow();
      const r = parseWorkloadCsr(pemOf(input), 'cluster.local');
      if (r.ok) {
        ok++;
        expect(r.identity).toBe(ID);
      }
    }
    // Most corruptions break the structure or the signature.
    expect(ok).toBeLessThan(150);
  });

  it('leaves CSRs with other signature algorithms to forge', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.publicKeyFromPem(crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString());
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 6, value: ID }] }] }]);
    csr.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha1.create());
    const pem = forge.pki.certificationRequestToPem(csr);
    expect(readCsrDer(derOf(pem))).toBeUndefined();
    expect(parseWorkloadCsr(pem, 'cluster.local')).toMatchObject({ ok: true, identity: ID });
  });
});
