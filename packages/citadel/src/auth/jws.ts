import crypto from 'node:crypto';

/**
 * Compact JWS with HS256 (RFC 7515 §7.1, RFC 7518 §3.2), just what bootstrap tokens need.
 * Verification accepts exactly `alg: HS256`: never `none`, never an algorithm chosen by the token.
 */
export interface JwsHeader {
  alg: 'HS256';
  typ: 'JWT';
  kid?: string;
}

/** A verified JWS: its header and the payload's JSON; or why it is not one. */
export type JwsVerification = { ok: true; header: JwsHeader; payload: Record<string, unknown> } | { ok: false; reason: 'malformed' | 'bad-signature'; message: string };

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Signs `payload` (JSON) into `header.payload.signature`. */
export function signHs256(payload: Record<string, unknown>, key: Buffer, kid?: string): string {
  const header: JwsHeader = kid === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${mac(input, key)}`;
}

/** Checks the structure and the HMAC (constant-time); claims are the caller's to check. */
export function verifyHs256(token: string, key: Buffer, kid?: string): JwsVerification {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return { ok: false, reason: 'malformed', message: 'not a compact JWS (three base64url parts)' };
  const [h, p, s] = parts as [string, string, string];
  let header: Partial<JwsHeader>;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Partial<JwsHeader>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', message: 'the JWS header or payload is not JSON' };
  }
  if (typeof header !== 'object' || header === null || header.alg !== 'HS256') return { ok: false, reason: 'malformed', message: 'the JWS algorithm is not HS256' };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'malformed', message: 'the JWS payload is not a JSON object' };
  if (kid !== undefined && header.kid !== undefined && header.kid !== kid) return { ok: false, reason: 'bad-signature', message: 'signed with a key this server does not hold' };
  const expected = Buffer.from(mac(`${h}.${p}`, key), 'base64url');
  const actual = Buffer.from(s, 'base64url');
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) return { ok: false, reason: 'bad-signature', message: 'the signature does not verify' };
  return { ok: true, header: header as JwsHeader, payload: payload as Record<string, unknown> };
}

function mac(input: string, key: Buffer): string {
  return crypto.createHmac('sha256', key).update(input).digest('base64url');
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}
