import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { silentLogger } from '@mesh/runtime/testing';
import { makeCacertsDir } from '../testing/cacerts-dir.js';
import { openssl, opensslVerifyChain } from '../testing/openssl.js';
import { makeTestCsr } from '../testing/workload-csr.js';
import { CertificateAuthority } from './certificate-authority.js';
import type { CaKeyMaterial, CertifiedKey } from './certificate-authority.js';
import { childrenOf, readTlv } from './csr-der.js';
import type { Tlv } from './csr-der.js';
import { parseWorkloadCsr } from './csr.js';
import { subjectKeyIdOf } from './forge-keys.js';
import { loadPluggedCa } from './plugged-ca.js';
import { createSelfSignedRoot, generateRootKey } from './self-signed-root.js';
import { derTime, derUnsignedInteger, encodeWorkloadCertificate, encodeWorkloadTbs, randomSerial, signInPlace, subjectNameDer, workloadTemplate } from './workload-der.js';
import { buildCertificate, keyIdentifierOf, subjectKeyIdExtension } from './x509.js';

const TD = 'cluster.local';
const ID = `spiffe://${TD}/ns/shop/sa/booking`;
const DAY = 86400;

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const bytesOf = (der: Buffer, t: Tlv): Buffer => der.subarray(t.start - t.headerLength, t.end);

/** The TBSCertificate's fields (version, serial, signature, issuer, validity, subject, spki, extensions) as DER. */
function tbsFields(certDer: Buffer): Buffer[] {
  const cert = readTlv(certDer, 0, certDer.length);
  return childrenOf(certDer, childrenOf(certDer, cert)[0]!).map((t) => bytesOf(certDer, t));
}

/** The extensions of a certificate: OID, critical, extnValue (hex), in order. */
function extensionList(certDer: Buffer): Array<{ oid: string; critical: boolean; value: string }> {
  const fields = tbsFields(certDer);
  const exts = fields[fields.length - 1]!;
  const outer = readTlv(exts, 0, exts.length);
  const seq = childrenOf(exts, outer)[0]!;
  return childrenOf(exts, seq).map((e) => {
    const parts = childrenOf(exts, e);
    const critical = parts.length === 3 && exts[parts[1]!.start] === 0xff;
    return { oid: exts.toString('hex', parts[0]!.start, parts[0]!.end), critical, value: exts.toString('hex', parts[parts.length - 1]!.start, parts[parts.length - 1]!.end) };
  });
}

/**
 * The certificate the CA issued before the DER encoder (the former hot path, verbatim): forge builds
 * it around the CSR's forge key, with the same extension list, and native crypto signs it.
 */
function forgeWorkloadCertificate(keys: CaKeyMaterial, identity: string, publicKey: forge.pki.PublicKey, notBefore: Date, notAfter: Date): Buffer {
  const signingCert = forge.pki.certificateFromPem(keys.signingCertPem);
  return buildCertificate(
    {
      publicKey,
      subject: [{ name: 'organizationName', value: TD }],
      issuer: signingCert,
      notBefore,
      notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 6, value: identity }] },
        subjectKeyIdExtension(subjectKeyIdOf(publicKey)),
        { name: 'authorityKeyIdentifier', keyIdentifier: keyIdentifierOf(signingCert) },
      ],
    },
    keys.signingKey,
  ).der;
}

/** A workload key as a checked CSR carries it, and the same key as forge's object (for the former path). */
async function workloadKey(identity = ID): Promise<{ key: CertifiedKey; forgeKey: forge.pki.PublicKey; csrPem: string; keyPem: string }> {
  const { csrPem, keyPem } = await makeTestCsr(identity);
  const csr = parseWorkloadCsr(csrPem, TD);
  if (!csr.ok) throw new Error(csr.message);
  return { key: csr, forgeKey: forge.pki.certificationRequestFromPem(csrPem).publicKey!, csrPem, keyPem };
}

function selfSignedCa(key: crypto.KeyObject, clock: () => number, rootNow?: number, rootTtlMs?: number): { ca: CertificateAuthority; keys: CaKeyMaterial } {
  const rootPem = createSelfSignedRoot({ key, trustDomain: TD, ...(rootNow !== undefined ? { now: rootNow } : {}), ...(rootTtlMs ? { ttlMs: rootTtlMs } : {}) });
  const keys = { signingKey: key, signingCertPem: rootPem, chainPems: [rootPem], rootCertPems: [rootPem] };
  return { ca: new CertificateAuthority(keys, { trustDomain: TD, defaultTtlSeconds: DAY, maxTtlSeconds: 90 * DAY }, clock), keys };
}

function issue(ca: CertificateAuthority, identity: string, key: CertifiedKey, ttl?: number): { pem: string; der: Buffer; r: Extract<ReturnType<CertificateAuthority['signCsr']>, { ok: true }> } {
  const r = ca.issueWorkloadCertificate(identity, key, ttl);
  if (!r.ok) throw new Error(r.message);
  return { pem: r.certChainPem[0]!, der: pemToDer(r.certChainPem[0]!), r };
}

/** Same bytes as the forge-built certificate for the same inputs, apart from the (random) serial and the signature. */
function expectSameAsForge(keys: CaKeyMaterial, identity: string, forgeKey: forge.pki.PublicKey, issued: ReturnType<typeof issue>): void {
  const old = forgeWorkloadCertificate(keys, identity, forgeKey, issued.r.notBefore, issued.r.notAfter);
  const [oldFields, newFields] = [tbsFields(old), tbsFields(issued.der)];
  expect(newFields).toHaveLength(8);
  // Everything but the serial (index 1) is byte for byte what forge wrote.
  expect(newFields.filter((_, i) => i !== 1).map((b) => b.toString('hex'))).toEqual(oldFields.filter((_, i) => i !== 1).map((b) => b.toString('hex')));
  expect(extensionList(issued.der)).toEqual(extensionList(old));
  // Serial: a positive, minimal INTEGER of at most 20 octets, as before.
  const serial = newFields[1]!;
  expect(serial[0]).toBe(0x02);
  expect(serial[1]).toBeGreaterThanOrEqual(1);
  expect(serial[1]).toBeLessThanOrEqual(20);
  expect(serial[2]! & 0x80).toBe(0);
  expect(serial.length === 3 || serial[2] !== 0).toBe(true);
  expect(serial.subarray(2).toString('hex').toUpperCase()).toBe(issued.r.serial);
}

describe('DER primitives', () => {
  it.each([
    ['2026-11-23T17:37:16.999Z', '170d3236313132333137333731365a'],
    ['1950-01-01T00:00:00.000Z', '170d3530303130313030303030305a'],
    ['2049-12-31T23:59:59.999Z', '170d3439313233313233353935395a'],
    ['2050-01-01T00:00:00.000Z', '180f32303530303130313030303030305a'],
    ['1949-12-31T23:59:59.000Z', '180f31393439313233313233353935395a'],
    ['2137-03-04T05:06:07.000Z', '180f32313337303330343035303630375a'],
  ])('writes %s as UTCTime before 2050, GeneralizedTime from 2050 (whole seconds)', (iso, hex) => {
    expect(derTime(new Date(iso).getTime()).toString('hex')).toBe(hex);
  });

  it('writes the same times as forge for random instants between 1900 and 2200', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Date.UTC(1900, 0, 1) + Math.floor(Math.random() * 300 * 365.25 * DAY * 1000);
      const d = new Date(ms);
      const inUtc = ms >= Date.UTC(1950, 0, 1) && ms < Date.UTC(2050, 0, 1);
      const text = inUtc ? forge.asn1.dateToUtcTime(d) : forge.asn1.dateToGeneralizedTime(d);
      const expected = forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, inUtc ? forge.asn1.Type.UTCTIME : forge.asn1.Type.GENERALIZEDTIME, false, text)).getBytes();
      expect(derTime(ms).toString('binary')).toBe(expected);
    }
  });

  it.each([
    ['00', '020100'],
    ['0000', '020100'],
    ['7f', '02017f'],
    ['80', '02020080'],
    ['000080', '02020080'],
    ['010001', '0203010001'],
  ])('writes the unsigned integer %s minimally and positive', (value, der) => {
    expect(derUnsignedInteger(Buffer.from(value, 'hex')).toString('hex')).toBe(der);
  });

  it('makes random serials of 16 octets, positive, minimal and distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = randomSerial();
      expect(s).toHaveLength(16);
      expect(s[0]).toBeGreaterThanOrEqual(1);
      expect(s[0]).toBeLessThan(0x80);
      seen.add(s.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('refuses serials that would be negative, non-minimal or too long', () => {
    const t = workloadTemplate(Buffer.from('3000', 'hex'), Buffer.from('3000', 'hex'), Buffer.alloc(20));
    const f = { notBefore: 0, notAfter: 1000, spki: Buffer.from('3000', 'hex'), identity: ID, subjectKeyId: Buffer.alloc(20) };
    for (const serial of ['80', '0001', '01'.repeat(21), '']) expect(() => encodeWorkloadTbs(t, { ...f, serial: Buffer.from(serial, 'hex') })).toThrow(/serial/);
    expect(() => encodeWorkloadTbs(t, { ...f, serial: Buffer.from('7f'.repeat(20), 'hex') })).not.toThrow();
  });

  it('finds the subject name of a certificate made by openssl', () => {
    const v3 = pemToDer(openssl((d) => ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(d, 'k'), '-subj', '/O=Org/CN=x', '-days', '1'], {}).output);
    expect(new crypto.X509Certificate(v3).subject).toContain('CN=x');
    const subject = subjectNameDer(v3);
    expect(subject.toString('latin1')).toContain('x');
    // The subject is the sixth field of a v3 TBSCertificate.
    expect(subject.equals(tbsFields(v3)[5]!)).toBe(true);
  });
});

describe('workload certificates from the DER encoder', () => {
  let rootKey: crypto.KeyObject;
  let w: Awaited<ReturnType<typeof workloadKey>>;
  beforeAll(async () => {
    [rootKey, w] = await Promise.all([generateRootKey(), workloadKey()]);
  });

  it('is byte for byte what forge built (self-signed root), parsed by X509Certificate and openssl, verified by openssl', () => {
    const { ca, keys } = selfSignedCa(rootKey, Date.now);
    const issued = issue(ca, ID, w.key);
    expectSameAsForge(keys, ID, w.forgeKey, issued);

    const leaf = new crypto.X509Certificate(issued.pem);
    expect(leaf.subjectAltName).toBe(`URI:${ID}`);
    expect(leaf.subject).toBe(`O=${TD}`);
    expect(leaf.serialNumber).toBe(issued.r.serial);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(leaf.checkPrivateKey(crypto.createPrivateKey(w.keyPem))).toBe(true);
    expect(leaf.verify(rootKey.type === 'private' ? crypto.createPublicKey(rootKey) : rootKey)).toBe(true);
    expect(new Date(leaf.validFrom).getTime()).toBe(Math.floor(issued.r.notBefore.getTime() / 1000) * 1000);
    expect(new Date(leaf.validTo).getTime()).toBe(Math.floor(issued.r.notAfter.getTime() / 1000) * 1000);

    const text = openssl((d) => ['x509', '-noout', '-text', '-in', path.join(d, 'c.pem')], { 'c.pem': issued.pem });
    expect(text.ok).toBe(true);
    expect(text.output).toMatch(/Version: 3 \(0x2\)/);
    expect(text.output).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text.output).toMatch(/Issuer: O = cluster.local, CN = mesh-citadel root CA \(cluster.local\)/);
    expect(text.output).toMatch(/Subject: O = cluster.local\n/);
    expect(text.output).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text.output).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text.output).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text.output).toMatch(/X509v3 Extended Key Usage: ?\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text.output).toMatch(new RegExp(`X509v3 Subject Alternative Name: ?\\s+URI:${ID.replace(/\./g, '\\.')}\\n`));
    expect(text.output).toMatch(/X509v3 Subject Key Identifier: ?\s+[0-9A-F:]{59}/);
    expect(text.output).toMatch(/X509v3 Authority Key Identifier: ?\s+(keyid:)?[0-9A-F:]{59}/);
    // DER strictly (openssl's parser refuses BER where DER is required, e.g. in lengths and booleans).
    expect(openssl((d) => ['asn1parse', '-in', path.join(d, 'c.pem'), '-strictpem'], { 'c.pem': issued.pem }).ok).toBe(true);

    const verify = opensslVerifyChain(issued.r.certChainPem, keys.rootCertPems[0]!);
    expect(verify.output).toMatch(/leaf.pem: OK/);
    expect(verify.ok).toBe(true);
  });

  it('is byte for byte what forge built under a plugged-in intermediate (issuer copied verbatim); openssl verify -untrusted chain accepts it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cacerts-'));
    try {
      const files = makeCacertsDir(dir);
      const loaded = loadPluggedCa(dir, silentLogger());
      const ca = new CertificateAuthority(loaded.keys, { trustDomain: TD, defaultTtlSeconds: 3600, maxTtlSeconds: 7200 });
      const issued = issue(ca, ID, w.key);
      expectSameAsForge(loaded.keys, ID, w.forgeKey, issued);
      expect(tbsFields(issued.der)[3]!.equals(tbsFields(pemToDer(files.caCertPem))[5]!)).toBe(true);
      const leaf = new crypto.X509Certificate(issued.pem);
      expect(leaf.checkIssued(new crypto.X509Certificate(files.caCertPem))).toBe(true);
      expect(leaf.verify(new crypto.X509Certificate(files.caCertPem).publicKey)).toBe(true);
      const verify = openssl((d) => ['verify', '-CAfile', path.join(d, 'root.pem'), '-untrusted', path.join(d, 'chain.pem'), path.join(d, 'leaf.pem')], {
        'root.pem': files.rootCertPem,
        'chain.pem': files.certChainPem,
        'leaf.pem': issued.pem,
      });
      expect(verify.output).toMatch(/leaf.pem: OK/);
      expect(opensslVerifyChain(issued.r.certChainPem, files.rootCertPem).ok).toBe(true);
      const text = openssl((d) => ['x509', '-noout', '-text', '-in', path.join(d, 'c.pem')], { 'c.pem': issued.pem });
      expect(text.output).toMatch(/Issuer: O = Example Org, CN = Intermediate CA citadel/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches forge for many random identities, lifetimes and dates (UTCTime and GeneralizedTime, long identities)', async () => {
    const keys = await Promise.all([w, workloadKey(), workloadKey()]);
    // A root from 1999 to 2149, so leaves can be issued on either side of 2050.
    const root = selfSignedCa(rootKey, Date.now, Date.UTC(1999, 0, 1), 150 * 365 * DAY * 1000);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
    const name = (max: number): string => Array.from({ length: 1 + Math.floor(Math.random() * max) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    let generalized = 0;
    for (let i = 0; i < 150; i++) {
      // Identities from a few octets to ~300 (SAN lengths in short and long form).
      const identity = `spiffe://${TD}/ns/${name(i % 3 === 0 ? 140 : 20)}/sa/${name(i % 5 === 0 ? 150 : 20)}`;
      const now = Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 140 * 365 * DAY * 1000);
      const ttl = [undefined, 0, 1, 59, 3600, DAY, 89 * DAY, 365 * DAY][i % 8];
      const ca = new CertificateAuthority(root.keys, { trustDomain: TD, defaultTtlSeconds: DAY, maxTtlSeconds: 90 * DAY }, () => now);
      const k = keys[i % keys.length]!;
      const issued = issue(ca, identity, k.key, ttl);
      expectSameAsForge(root.keys, identity, k.forgeKey, issued);
      const leaf = new crypto.X509Certificate(issued.pem);
      expect(leaf.subjectAltName).toBe(`URI:${identity}`);
      expect(leaf.verify(crypto.createPublicKey(rootKey))).toBe(true);
      expect(issued.r.notBefore.getTime()).toBe(now - 60_000);
      expect(issued.r.notAfter.getTime()).toBe(now + (ttl || DAY) * 1000 > now + 90 * DAY * 1000 ? now + 90 * DAY * 1000 : now + (ttl || DAY) * 1000);
      if (issued.r.notAfter.getTime() >= Date.UTC(2050, 0, 1)) generalized++;
    }
    expect(generalized).toBeGreaterThan(10);
  });

  it('issues through signCsr for random identities that openssl verifies', async () => {
    const { ca, keys } = selfSignedCa(rootKey, Date.now);
    for (let i = 0; i < 4; i++) {
      const identity = `spiffe://${TD}/ns/ns-${crypto.randomBytes(3).toString('hex')}/sa/sa-${i}`;
      const k = await workloadKey(identity);
      const r = ca.signCsr(k.csrPem, [undefined, 60, 3600, 200 * DAY][i]);
      if (!r.ok) throw new Error(r.message);
      expect(r.identity).toBe(identity);
      expectSameAsForge(keys, identity, k.forgeKey, { pem: r.certChainPem[0]!, der: pemToDer(r.certChainPem[0]!), r });
      expect(opensslVerifyChain(r.certChainPem, keys.rootCertPems[0]!).ok).toBe(true);
    }
  });

  it('sizes the signature to the CA key (RSA-3072 CA) and refuses a signature of the wrong size', async () => {
    const key3072 = await generateRootKey(3072);
    const { ca, keys } = selfSignedCa(key3072, Date.now);
    const issued = issue(ca, ID, w.key);
    expectSameAsForge(keys, ID, w.forgeKey, issued);
    expect(new crypto.X509Certificate(issued.pem).verify(crypto.createPublicKey(key3072))).toBe(true);
    expect(opensslVerifyChain(issued.r.certChainPem, keys.rootCertPems[0]!).ok).toBe(true);
    const t = workloadTemplate(Buffer.from('3000', 'hex'), Buffer.from('3000', 'hex'), Buffer.alloc(20));
    const unsigned = encodeWorkloadCertificate(t, { serial: randomSerial(), notBefore: 0, notAfter: 1000, spki: w.key.spki, identity: ID, subjectKeyId: w.key.keyId }, 256);
    expect(() => signInPlace(unsigned, () => Buffer.alloc(255))).toThrow(/255 octets; 256 were expected/);
  });

  it('carries the CSR key exactly (SubjectPublicKeyInfo as in the CSR, SKI = SHA-1 of the RSAPublicKey)', () => {
    const csrDer = pemToDer(w.csrPem);
    const info = childrenOf(csrDer, readTlv(csrDer, 0, csrDer.length))[0]!;
    const spki = childrenOf(csrDer, info)[2]!;
    expect(w.key.spki.equals(bytesOf(csrDer, spki))).toBe(true);
    expect(w.key.spki.equals(crypto.createPublicKey(w.keyPem).export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(w.key.keyId.equals(subjectKeyIdOf(w.forgeKey))).toBe(true);
  });
});
