import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { makeTestCsr } from '../testing/workload-csr.js';
import { opensslExtensions, opensslVerifyChain } from '../testing/openssl.js';
import { CertificateAuthority } from './certificate-authority.js';
import type { CaKeyMaterial } from './certificate-authority.js';
import { createSelfSignedRoot, generateRootKey } from './self-signed-root.js';

const TD = 'cluster.local';
const ID = `spiffe://${TD}/ns/shop/sa/booking`;
const DAY = 86400;

async function newCa(opts: { now?: number; rootTtlMs?: number; defaultTtl?: number; maxTtl?: number } = {}): Promise<{ ca: CertificateAuthority; rootPem: string; keys: CaKeyMaterial }> {
  const key = await generateRootKey();
  const rootPem = createSelfSignedRoot({ key, trustDomain: TD, ...(opts.now ? { now: opts.now } : {}), ...(opts.rootTtlMs ? { ttlMs: opts.rootTtlMs } : {}) });
  const keys = { signingKey: key, signingCertPem: rootPem, chainPems: [rootPem], rootCertPems: [rootPem] };
  const ca = new CertificateAuthority(keys, { trustDomain: TD, defaultTtlSeconds: opts.defaultTtl ?? DAY, maxTtlSeconds: opts.maxTtl ?? 90 * DAY });
  return { ca, rootPem, keys };
}

describe('createSelfSignedRoot', () => {
  it('makes a 10-year CA certificate with keyCertSign', async () => {
    const { rootPem } = await newCa();
    const root = new crypto.X509Certificate(rootPem);
    expect(root.ca).toBe(true);
    const years = (new Date(root.validTo).getTime() - Date.now()) / (365 * DAY * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    const ext = opensslExtensions(rootPem, 'keyUsage,basicConstraints');
    expect(ext).toMatch(/CA:TRUE/);
    expect(ext).toMatch(/Certificate Sign/);
    expect(root.verify(root.publicKey)).toBe(true);
  });
});

describe('CertificateAuthority', () => {
  let ctx: Awaited<ReturnType<typeof newCa>>;
  beforeAll(async () => {
    ctx = await newCa();
  });

  it('signs a CSR into a chain that openssl verifies against the root, with the SPIFFE URI SAN', async () => {
    const { csrPem, keyPem } = await makeTestCsr(ID);
    const r = ctx.ca.signCsr(csrPem);
    if (!r.ok) throw new Error(r.message);
    expect(r.identity).toBe(ID);
    expect(r.certChainPem).toHaveLength(2);
    expect(r.certChainPem[1]).toBe(ctx.rootPem);
    const verify = opensslVerifyChain(r.certChainPem, ctx.rootPem);
    expect(verify.output).toMatch(/OK/);
    expect(verify.ok).toBe(true);
    const ext = opensslExtensions(r.certChainPem[0]!);
    expect(ext).toContain(`URI:${ID}`);
    expect(ext).toMatch(/Digital Signature, Key Encipherment/);
    expect(ext).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(ext).toMatch(/CA:FALSE/);
    const leaf = new crypto.X509Certificate(r.certChainPem[0]!);
    expect(leaf.checkPrivateKey(crypto.createPrivateKey(keyPem))).toBe(true);
    expect(leaf.checkIssued(new crypto.X509Certificate(ctx.rootPem))).toBe(true);
    expect(leaf.serialNumber).toBe(r.serial);
  });

  it('gives every certificate a different random serial', async () => {
    const { csrPem } = await makeTestCsr(ID);
    const serials = new Set(Array.from({ length: 20 }, () => (ctx.ca.signCsr(csrPem) as { serial: string }).serial));
    expect(serials.size).toBe(20);
  });

  it.each([
    ['the default TTL when none is requested', undefined, DAY, undefined],
    ['the default TTL when 0 is requested', 0, DAY, undefined],
    ['the requested TTL', 3600, 3600, undefined],
    ['the maximum TTL when more is requested', 365 * DAY, 90 * DAY, 'max-ttl'],
  ])('issues for %s', async (_name, requested, expected, cappedBy) => {
    const { csrPem } = await makeTestCsr(ID);
    const before = Date.now();
    const r = ctx.ca.signCsr(csrPem, requested);
    if (!r.ok) throw new Error(r.message);
    const ttl = (r.notAfter.getTime() - before) / 1000;
    expect(Math.abs(ttl - expected)).toBeLessThanOrEqual(2);
    expect(r.cappedBy).toBe(cappedBy);
    // Backdated a little for clock skew, but not more than a minute.
    expect(before - r.notBefore.getTime()).toBeLessThanOrEqual(61_000);
  });

  it('never issues past the root’s own expiry', async () => {
    const short = await newCa({ rootTtlMs: 2 * 3600 * 1000 });
    const { csrPem } = await makeTestCsr(ID);
    const r = short.ca.signCsr(csrPem, DAY);
    if (!r.ok) throw new Error(r.message);
    expect(r.cappedBy).toBe('ca-expiry');
    expect(r.notAfter.getTime()).toBeLessThanOrEqual(short.ca.notAfter.getTime());
  });

  it('refuses a negative validity', async () => {
    const { csrPem } = await makeTestCsr(ID);
    expect(ctx.ca.signCsr(csrPem, -5)).toMatchObject({ ok: false, reason: 'invalid-ttl' });
  });

  it.each([
    ['a bad signature', { altNames: [{ type: 6, value: ID }], badSignature: true }, 'bad-signature', /signature does not verify/],
    ['no SAN', { altNames: [] }, 'no-san', /no subjectAltName/],
    ['two identities', { altNames: [{ type: 6, value: ID }, { type: 6, value: `spiffe://${TD}/ns/shop/sa/other` }] }, 'multiple-identities', /exactly one is allowed/],
    ['a DNS SAN', { altNames: [{ type: 2, value: 'booking.shop.svc' }] }, 'non-spiffe-san', /not SPIFFE URIs: DNS:booking.shop.svc/],
    ['a SPIFFE URI and an IP SAN', { altNames: [{ type: 6, value: ID }, { type: 7, ip: '10.0.0.1' }] }, 'non-spiffe-san', /IP:10.0.0.1/],
    ['an https URI SAN', { altNames: [{ type: 6, value: 'https://example.com/' }] }, 'non-spiffe-san', /URI:https/],
    ['a SPIFFE ID of another shape', { altNames: [{ type: 6, value: `spiffe://${TD}/workload/x` }] }, 'non-spiffe-san', /not a workload SPIFFE ID/],
    ['another trust domain', { altNames: [{ type: 6, value: 'spiffe://evil.example/ns/shop/sa/booking' }] }, 'wrong-trust-domain', /not in this CA's trust domain/],
    ['a 1024-bit key', { altNames: [{ type: 6, value: ID }], keyBits: 1024 }, 'weak-key', /at least 2048/],
  ] as const)('rejects a CSR with %s', async (_name, csrOpts, reason, message) => {
    const { csrPem } = await makeTestCsr({ ...csrOpts, altNames: [...csrOpts.altNames] });
    const r = ctx.ca.signCsr(csrPem);
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.message).toMatch(message);
  });

  it.each([
    ['garbage', 'not a csr'],
    ['an empty string', ''],
    ['a certificate instead of a CSR', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    ['an oversized input', 'x'.repeat(20000)],
  ])('rejects %s as malformed', (_name, pem) => {
    expect(ctx.ca.signCsr(pem)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it.each([['sha256'], ['sha384'], ['sha1']])('accepts an RSA CSR made by openssl with %s', (digest) => {
    const args = ['req', '-new', '-newkey', 'rsa:2048', `-${digest}`, '-nodes', '-keyout', '/dev/null', '-subj', '/CN=ignored', '-addext', `subjectAltName=URI:${ID}`];
    const pem = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(ctx.ca.signCsr(pem)).toMatchObject({ ok: true, identity: ID });
  });

  it('rejects an EC key with a clear message', () => {
    // forge cannot create EC CSRs; openssl can.
    const args = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/O=x', '-addext', `subjectAltName=URI:${ID}`];
    const pem = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(ctx.ca.signCsr(pem)).toMatchObject({ ok: false, reason: 'unsupported-key' });
  });

  it('issues a serving certificate with DNS and IP SANs for server auth', async () => {
    const key = await generateRootKey();
    const r = ctx.ca.issueServingCertificate(crypto.createPublicKey(key), ['localhost', '127.0.0.1', 'citadel.istio-system.svc'], 3600);
    expect(opensslVerifyChain(r.certChainPem, ctx.rootPem).ok).toBe(true);
    const ext = opensslExtensions(r.certChainPem[0]!);
    expect(ext).toMatch(/DNS:localhost, IP Address:127.0.0.1, DNS:citadel.istio-system.svc/);
    expect(ext).toMatch(/TLS Web Server Authentication/);
  });

  it('refuses key material whose key does not match the certificate', async () => {
    const other = await generateRootKey();
    expect(() => new CertificateAuthority({ ...ctx.keys, signingKey: other }, { trustDomain: TD, defaultTtlSeconds: 1, maxTtlSeconds: 1 })).toThrow(/does not belong/);
  });

  it('signs in about a millisecond (native crypto, not forge’s JS RSA)', async () => {
    const { csrPem } = await makeTestCsr(ID);
    ctx.ca.signCsr(csrPem);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) ctx.ca.signCsr(csrPem);
    const perCertMs = Number(process.hrtime.bigint() - start) / 1e6 / 20;
    expect(perCertMs).toBeLessThan(20);
  });
});
