import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@mesh/runtime/testing';
import { makeCacertsDir } from '../testing/cacerts-dir.js';
import { requestCertificate, testCertClient } from '../testing/cert-client.js';
import { openssl, opensslVerifyChain } from '../testing/openssl.js';
import { startTestCitadel } from '../testing/test-citadel.js';
import { makeTestCsr } from '../testing/workload-csr.js';
import { CertificateAuthority } from './certificate-authority.js';
import { loadPluggedCa } from './plugged-ca.js';

const TD = 'cluster.local';
const ID = `spiffe://${TD}/ns/shop/sa/booking`;
const logger = silentLogger();

/** `openssl verify -CAfile root-cert.pem -untrusted cert-chain.pem leaf`, the way an operator checks a plugged-in CA's output. */
function opensslVerifyWithCertChain(leafPem: string, rootPem: string, certChainPem: string): { ok: boolean; output: string } {
  return openssl((d) => ['verify', '-CAfile', path.join(d, 'root.pem'), '-untrusted', path.join(d, 'chain.pem'), path.join(d, 'leaf.pem')], { 'root.pem': rootPem, 'chain.pem': certChainPem, 'leaf.pem': leafPem });
}

describe('loadPluggedCa (Istio cacerts layout, made by openssl)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cacerts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('signs leaves under the intermediate; openssl verifies leaf + cert-chain against root-cert.pem', async () => {
    const files = makeCacertsDir(dir);
    const loaded = loadPluggedCa(dir, logger);
    expect(loaded.source).toBe('plugged-in');
    expect(loaded.fingerprint).toBe(new crypto.X509Certificate(files.rootCertPem).fingerprint256);
    const ca = new CertificateAuthority(loaded.keys, { trustDomain: TD, defaultTtlSeconds: 3600, maxTtlSeconds: 7200 });
    const { csrPem } = await makeTestCsr(ID);
    const r = ca.signCsr(csrPem);
    if (!r.ok) throw new Error(r.message);
    expect(r.certChainPem.map((p) => new crypto.X509Certificate(p).fingerprint256)).toEqual([
      new crypto.X509Certificate(r.certChainPem[0]!).fingerprint256,
      new crypto.X509Certificate(files.caCertPem).fingerprint256,
      new crypto.X509Certificate(files.rootCertPem).fingerprint256,
    ]);
    expect(opensslVerifyWithCertChain(r.certChainPem[0]!, files.rootCertPem, files.certChainPem).output).toMatch(/leaf.pem: OK/);
    expect(opensslVerifyChain(r.certChainPem, files.rootCertPem).output).toMatch(/: OK/);
    // Without the intermediate, the root alone does not verify the leaf: it really is signed by the intermediate.
    expect(opensslVerifyChain([r.certChainPem[0]!, files.rootCertPem], files.rootCertPem).ok).toBe(false);
    expect(ca.rootCertPem).toBe(files.rootCertPem);
  });

  it('appends the root when cert-chain.pem stops at the intermediate', async () => {
    const files = makeCacertsDir(dir, { chainWithoutRoot: true });
    const loaded = loadPluggedCa(dir, logger);
    expect(loaded.keys.chainPems).toHaveLength(2);
    expect(loaded.keys.chainPems[1]!.trim()).toBe(files.rootCertPem.trim());
  });

  it('never issues past the intermediate’s expiry, even when the root lives longer', async () => {
    makeCacertsDir(dir, { intermediateDays: 1 });
    const ca = new CertificateAuthority(loadPluggedCa(dir, logger).keys, { trustDomain: TD, defaultTtlSeconds: 3600, maxTtlSeconds: 7 * 86400 });
    const { csrPem } = await makeTestCsr(ID);
    const r = ca.signCsr(csrPem, 3 * 86400);
    if (!r.ok) throw new Error(r.message);
    expect(r.cappedBy).toBe('ca-expiry');
    const intermediateNotAfter = new Date(new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'ca-cert.pem'), 'utf8')).validTo);
    expect(r.notAfter.getTime()).toBe(intermediateNotAfter.getTime());
    expect(ca.notAfter.getTime()).toBe(intermediateNotAfter.getTime());
    expect(ca.rootNotAfter.getTime()).toBeGreaterThan(intermediateNotAfter.getTime());
  });

  it.each([
    ['a missing cert-chain.pem', (d: string) => fs.rmSync(path.join(d, 'cert-chain.pem')), /cert-chain.pem is missing or empty/],
    ['a key that is not ca-cert.pem’s', (d: string) => fs.copyFileSync(path.join(d, 'root-key.pem'), path.join(d, 'ca-key.pem')), /does not belong to/],
    ['a cert-chain.pem that does not start with ca-cert.pem', (d: string) => fs.copyFileSync(path.join(d, 'root-cert.pem'), path.join(d, 'cert-chain.pem')), /must start with ca-cert.pem/],
    [
      'a root-cert.pem that is not the chain’s root',
      (d: string) => {
        const other = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cacerts-other-'));
        makeCacertsDir(other);
        fs.copyFileSync(path.join(other, 'root-cert.pem'), path.join(d, 'root-cert.pem'));
        fs.writeFileSync(path.join(d, 'cert-chain.pem'), fs.readFileSync(path.join(d, 'ca-cert.pem')));
        fs.rmSync(other, { recursive: true, force: true });
      },
      /does not lead to a root in root-cert.pem/,
    ],
  ])('refuses %s', (_n, spoil, message) => {
    makeCacertsDir(dir);
    spoil(dir);
    expect(() => loadPluggedCa(dir, logger)).toThrow(message);
  });
});

describe('Citadel with a plugged-in CA (MESH_CITADEL_CACERTS_DIR)', () => {
  it('issues over gRPC chains of leaf, intermediate and root that openssl verifies, and publishes root-cert.pem as the bundle', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cacerts-'));
    const files = makeCacertsDir(dir);
    const citadel = await startTestCitadel({ logger, env: { MESH_CITADEL_CACERTS_DIR: dir, MESH_CITADEL_DEFAULT_TTL_S: '3600', MESH_CITADEL_MAX_TTL_S: '7200' } });
    const client = testCertClient(citadel.address, files.rootCertPem);
    try {
      expect(citadel.caSource).toBe('plugged-in');
      expect(citadel.rootCertPem).toBe(files.rootCertPem);
      const token = await citadel.issueToken('shop', 'booking');
      const { csrPem } = await makeTestCsr(ID);
      const chain = await requestCertificate(client, { csr: csrPem, validity_duration: 86400 }, token);
      expect(chain).toHaveLength(3);
      expect(opensslVerifyWithCertChain(chain[0]!, files.rootCertPem, files.certChainPem).output).toMatch(/: OK/);
      expect(opensslVerifyChain(chain, files.rootCertPem).output).toMatch(/: OK/);
      const leaf = new crypto.X509Certificate(chain[0]!);
      expect(leaf.checkIssued(new crypto.X509Certificate(files.caCertPem))).toBe(true);
      // Capped by the configured maximum.
      expect(Math.abs(new Date(leaf.validTo).getTime() - Date.now() - 7200_000)).toBeLessThan(5000);
      const text = await (await fetch(`http://127.0.0.1:${citadel.adminPort}/metrics`)).text();
      const caExpiry = Math.floor(new Date(new crypto.X509Certificate(files.caCertPem).validTo).getTime() / 1000);
      const rootExpiry = Math.floor(new Date(new crypto.X509Certificate(files.rootCertPem).validTo).getTime() / 1000);
      expect(text).toMatch(new RegExp(`^citadel_server_cert_chain_expiry_timestamp ${caExpiry}$`, 'm'));
      expect(text).toMatch(new RegExp(`^citadel_server_root_cert_expiry_timestamp ${rootExpiry}$`, 'm'));
    } finally {
      client.close();
      await citadel.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Citadel TTL capping over gRPC', () => {
  it('cuts a certificate to the plugged-in intermediate’s expiry, below the configured maximum', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cacerts-'));
    const files = makeCacertsDir(dir, { intermediateDays: 1 });
    const citadel = await startTestCitadel({ logger, env: { MESH_CITADEL_CACERTS_DIR: dir, MESH_CITADEL_MAX_TTL_S: String(7 * 86400) } });
    const client = testCertClient(citadel.address, files.rootCertPem);
    try {
      const token = await citadel.issueToken('shop', 'booking');
      const { csrPem } = await makeTestCsr(ID);
      const chain = await requestCertificate(client, { csr: csrPem, validity_duration: 3 * 86400 }, token);
      const leafNotAfter = new Date(new crypto.X509Certificate(chain[0]!).validTo).getTime();
      const caNotAfter = new Date(new crypto.X509Certificate(files.caCertPem).validTo).getTime();
      expect(leafNotAfter).toBe(caNotAfter);
      expect(leafNotAfter - Date.now()).toBeLessThan(86400_000 + 5000);
      expect(opensslVerifyChain(chain, files.rootCertPem).output).toMatch(/: OK/);
    } finally {
      client.close();
      await citadel.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
