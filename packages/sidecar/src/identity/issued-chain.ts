import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The leaf's facts when the chain is usable; otherwise why not. */
export type ChainCheck = { ok: true; notBefore: Date; notAfter: Date; serial: string } | { ok: false; message: string };

/** Splits a PEM bundle into its certificates. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/**
 * Checks what Citadel returned before the agent uses it: the leaf is for our key and exactly our
 * SPIFFE identity, each certificate is signed by the next, the chain ends at (or under) one of
 * our trusted roots, and the leaf is valid now. A certificate that fails here would only fail
 * later, in a peer's handshake.
 */
export function checkIssuedChain(chainPems: readonly string[], key: KeyObject, rootCertPem: string, identity: string, now = Date.now()): ChainCheck {
  if (chainPems.length === 0) return { ok: false, message: 'the certificate chain is empty' };
  let chain: crypto.X509Certificate[];
  try {
    chain = chainPems.map((p) => new crypto.X509Certificate(p));
  } catch (err) {
    return { ok: false, message: `the chain holds something that is not a PEM certificate: ${(err as Error).message}` };
  }
  const roots = splitPemCertificates(rootCertPem).map((p) => new crypto.X509Certificate(p));
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) return { ok: false, message: 'the leaf certificate is not for the key in our CSR' };
  if (leaf.subjectAltName !== `URI:${identity}`) return { ok: false, message: `the leaf certificate is for ${leaf.subjectAltName ?? 'no SAN'}, not URI:${identity}` };
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) return { ok: false, message: `certificate ${i} of the chain is not signed by certificate ${i + 1}` };
  }
  const top = chain[chain.length - 1]!;
  const anchored = roots.some((r) => r.fingerprint256 === top.fingerprint256 || (top.checkIssued(r) && top.verify(r.publicKey)));
  if (!anchored) return { ok: false, message: 'the chain does not lead to the trusted root certificate' };
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now || notBefore.getTime() > now + 60_000) return { ok: false, message: `the leaf certificate is not valid now (${leaf.validFrom} – ${leaf.validTo})` };
  return { ok: true, notBefore, notAfter, serial: leaf.serialNumber };
}
