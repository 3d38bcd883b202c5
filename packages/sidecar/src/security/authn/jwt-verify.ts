import { compactVerify } from 'jose';
import type { JwkModel, JwtProviderModel } from './jwt-model.js';

/**
 * Envoy's JWT verification statuses with the messages it sends as 401 bodies (jwt_verify_lib
 * `status.cc`); clients and tests match on them.
 */
export const JwtStatus = {
  JwtMissed: 'Jwt is missing',
  JwtNotYetValid: 'Jwt not yet valid',
  JwtExpired: 'Jwt is expired',
  JwtBadFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  JwtHeaderParseErrorBadBase64: 'Jwt header is an invalid Base64url encoded',
  JwtHeaderParseErrorBadJson: 'Jwt header is an invalid JSON',
  JwtHeaderBadAlg: 'Jwt header [alg] field is required and must be a string',
  JwtHeaderNotImplementedAlg: 'Jwt header [alg] is not supported',
  JwtPayloadParseErrorBadBase64: 'Jwt payload is an invalid Base64url encoded',
  JwtPayloadParseErrorBadJson: 'Jwt payload is an invalid JSON',
  JwtUnknownIssuer: 'Jwt issuer is not configured',
  JwtAudienceNotAllowed: 'Audiences in Jwt are not allowed',
  JwtVerificationFail: 'Jwt verification fails',
  JwksKidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  JwksNoValidKeys: "Jwks doesn't have valid keys",
  JwksFetchFail: 'Jwks remote fetch is failed',
} as const;

/** A JWT status message. */
export type JwtStatusMessage = (typeof JwtStatus)[keyof typeof JwtStatus];

/** The outcome of verifying one token against one provider. */
export type JwtVerifyResult = { readonly ok: true; readonly payload: Readonly<Record<string, unknown>>; readonly payloadB64: string } | { readonly ok: false; readonly status: JwtStatusMessage };

const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);

/** The key types an algorithm uses. */
function ktyFor(alg: string): string {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'RSA';
  if (alg.startsWith('ES')) return 'EC';
  if (alg.startsWith('HS')) return 'oct';
  return 'OKP';
}

function decodeJson(part: string): { ok: true; value: unknown } | { ok: false; base64: boolean } {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return { ok: false, base64: true };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) };
  } catch {
    return { ok: false, base64: false };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Verifies a token in Envoy's order (jwt_authn `authenticator.cc`): format, issuer, time
 * (`exp`/`nbf` with the provider's clock skew), audiences, then the signature with a key of the
 * provider's set that matches `kid` and `alg` (jose, with keys imported at configuration time).
 */
export async function verifyJwt(token: string, provider: JwtProviderModel, nowSeconds: number): Promise<JwtVerifyResult> {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, status: JwtStatus.JwtBadFormat };
  const header = decodeJson(parts[0]!);
  if (!header.ok || !isObject(header.value)) return { ok: false, status: header.ok || !header.base64 ? JwtStatus.JwtHeaderParseErrorBadJson : JwtStatus.JwtHeaderParseErrorBadBase64 };
  const alg = header.value['alg'];
  if (typeof alg !== 'string') return { ok: false, status: JwtStatus.JwtHeaderBadAlg };
  if (!ALGORITHMS.has(alg)) return { ok: false, status: JwtStatus.JwtHeaderNotImplementedAlg };
  const payload = decodeJson(parts[1]!);
  if (!payload.ok || !isObject(payload.value)) return { ok: false, status: payload.ok || !payload.base64 ? JwtStatus.JwtPayloadParseErrorBadJson : JwtStatus.JwtPayloadParseErrorBadBase64 };
  const claims = payload.value;
  if (provider.issuer && claims['iss'] !== provider.issuer) return { ok: false, status: JwtStatus.JwtUnknownIssuer };
  const skew = provider.clockSkewSeconds;
  if (typeof claims['nbf'] === 'number' && claims['nbf'] > nowSeconds + skew) return { ok: false, status: JwtStatus.JwtNotYetValid };
  if (typeof claims['exp'] === 'number' && claims['exp'] < nowSeconds - skew) return { ok: false, status: JwtStatus.JwtExpired };
  if (provider.audiences.length > 0) {
    const aud = claims['aud'];
    const auds = Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : typeof aud === 'string' ? [aud] : [];
    if (!auds.some((a) => provider.audiences.includes(a))) return { ok: false, status: JwtStatus.JwtAudienceNotAllowed };
  }
  if (provider.jwks.kind !== 'local') return { ok: false, status: provider.jwks.reason.startsWith('Jwks remote') ? JwtStatus.JwksFetchFail : JwtStatus.JwksNoValidKeys };
  const cache = signatureCache(provider);
  if (cache.has(token)) return { ok: true, payload: claims, payloadB64: parts[1]! };
  const kid = typeof header.value['kid'] === 'string' ? header.value['kid'] : undefined;
  const candidates = provider.jwks.keys.filter((k) => keyFits(k, alg, kid));
  if (candidates.length === 0) return { ok: false, status: JwtStatus.JwksKidAlgMismatch };
  for (const k of candidates) {
    try {
      await compactVerify(token, k.key, { algorithms: [alg] });
      remember(cache, token);
      return { ok: true, payload: claims, payloadB64: parts[1]! };
    } catch {
      // try the next key with this kid/alg (key rotation keeps several)
    }
  }
  return { ok: false, status: JwtStatus.JwtVerificationFail };
}

/** Tokens whose signature verified, per provider configuration (Envoy's `jwt_cache_config`, 100 entries). */
const JWT_CACHE_SIZE = 100;
const caches = new WeakMap<JwtProviderModel, Set<string>>();

/**
 * The signature cache of a provider. Only the signature is cached: issuer, time and audiences are
 * checked on every request, and a new configuration (new keys) starts an empty cache.
 */
function signatureCache(provider: JwtProviderModel): Set<string> {
  let c = caches.get(provider);
  if (!c) caches.set(provider, (c = new Set()));
  return c;
}

function remember(cache: Set<string>, token: string): void {
  if (cache.size >= JWT_CACHE_SIZE) cache.delete(cache.values().next().value!);
  cache.add(token);
}

function keyFits(k: JwkModel, alg: string, kid: string | undefined): boolean {
  if (k.kty !== ktyFor(alg)) return false;
  if (k.alg !== undefined && k.alg !== alg) return false;
  // A token with a kid needs a key with that kid; keys without a kid match any token (Envoy's rule).
  return kid === undefined || k.kid === undefined || k.kid === kid;
}
