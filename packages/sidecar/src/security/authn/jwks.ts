import { createPublicKey, createSecretKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { JwkModel, JwksModel } from './jwt-model.js';

/**
 * Parses a JSON Web Key Set (RFC 7517) and imports its keys once with Node's crypto, so that
 * requests only verify. Keys that cannot be imported (a bad modulus, an unknown `kty`, Istio's
 * fake set for an unreachable `jwksUri`) are left out; a set without usable keys is
 * `unavailable`, and every token then fails.
 */
export function parseJwks(text: string): JwksModel {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: 'unavailable', reason: 'Jwks is an invalid JSON' };
  }
  const rawKeys = typeof doc === 'object' && doc !== null && Array.isArray((doc as { keys?: unknown }).keys) ? (doc as { keys: unknown[] }).keys : undefined;
  if (!rawKeys) return { kind: 'unavailable', reason: 'Jwks does not have [keys] field' };
  const keys: JwkModel[] = [];
  for (const k of rawKeys) {
    const jwk = importJwk(k);
    if (jwk) keys.push(jwk);
  }
  return keys.length > 0 ? { kind: 'local', keys } : { kind: 'unavailable', reason: "Jwks doesn't have valid keys" };
}

function importJwk(raw: unknown): JwkModel | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const j = raw as Record<string, unknown>;
  const kty = typeof j['kty'] === 'string' ? j['kty'] : '';
  if (j['use'] !== undefined && j['use'] !== 'sig') return undefined;
  try {
    const key = kty === 'oct' ? createSecretKey(Buffer.from(String(j['k'] ?? ''), 'base64url')) : createPublicKey({ key: j as JsonWebKey, format: 'jwk' });
    if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 512) return undefined;
    return { kty, key, ...(typeof j['kid'] === 'string' ? { kid: j['kid'] } : {}), ...(typeof j['alg'] === 'string' ? { alg: j['alg'] } : {}) };
  } catch {
    return undefined;
  }
}
