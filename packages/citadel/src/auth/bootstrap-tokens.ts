import crypto from 'node:crypto';
import { parseSpiffeId } from '@mesh/shared-api';
import { peekJwt } from './authenticator.js';
import type { Authenticator, AuthResult, CallerCredentials } from './authenticator.js';
import { signHs256, verifyHs256 } from './jws.js';

/** The `aud` every bootstrap token carries and CreateCertificate requires. */
export const BOOTSTRAP_TOKEN_AUDIENCE = 'mesh-citadel';
/** The `iss` of tokens this Citadel signs. */
export const BOOTSTRAP_TOKEN_ISSUER = 'mesh-citadel';

/** A freshly issued token; the token itself is a secret: hand it to the workload, never log it. */
export interface IssuedToken {
  token: string;
  identity: string;
  /** The `jti`: safe to log and to correlate with CreateCertificate logs. */
  tokenId: string;
  expiresAt: Date;
}

/** An issued token, or why the request was refused. */
export type IssueTokenResult = ({ ok: true } & IssuedToken) | { ok: false; message: string };

/** Options: the HMAC key, the trust domain tokens may name, and the longest lifetime allowed. */
export interface BootstrapTokenOptions {
  key: Buffer;
  trustDomain: string;
  maxTtlSeconds: number;
  clock?: () => number;
}

/** Tolerated clock difference for `iat`/`nbf` in the future (replicas on different hosts). */
const LEEWAY_S = 60;

/**
 * Bootstrap tokens: how a workload outside Kubernetes proves its identity to Citadel.
 *
 * Each is a compact JWS `{ iss, sub: <SPIFFE ID>, aud: 'mesh-citadel', iat, exp, jti }` for exactly
 * one identity, signed HS256 with a 256-bit secret of its own (in the state directory, 0600).
 * HS256 rather than RS256 with the CA key because only Citadel ever verifies these tokens (no
 * public verifiability needed), a signing key should have one purpose (the CA key signs
 * certificates only), and a CA key rotation or a plugged-in CA (issue 6) must not invalidate every
 * workload's token. Rotating the secret (delete the file, restart) revokes all tokens at once.
 */
export class BootstrapTokens implements Authenticator {
  readonly method = 'bootstrap-token';
  private readonly kid: string;
  private readonly clock: () => number;

  constructor(private readonly opts: BootstrapTokenOptions) {
    if (opts.key.length < 32) throw new Error('the bootstrap token key must be at least 256 bits');
    this.kid = crypto.createHash('sha256').update(opts.key).digest('base64url').slice(0, 12);
    this.clock = opts.clock ?? Date.now;
  }

  /** Signs a token for one identity, valid for `ttlSeconds`. */
  issue(identity: string, ttlSeconds: number): IssueTokenResult {
    const parsed = parseSpiffeId(identity);
    if (!parsed) return { ok: false, message: `${identity} is not a workload SPIFFE ID (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)` };
    if (parsed.trustDomain !== this.opts.trustDomain) return { ok: false, message: `${identity} is not in this Citadel's trust domain ${this.opts.trustDomain}` };
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) return { ok: false, message: 'ttlSeconds must be a positive whole number' };
    if (ttlSeconds > this.opts.maxTtlSeconds) return { ok: false, message: `ttlSeconds ${ttlSeconds} exceeds the maximum of ${this.opts.maxTtlSeconds}` };
    const iat = Math.floor(this.clock() / 1000);
    const tokenId = crypto.randomUUID();
    const claims = { iss: BOOTSTRAP_TOKEN_ISSUER, sub: identity, aud: BOOTSTRAP_TOKEN_AUDIENCE, iat, exp: iat + ttlSeconds, jti: tokenId };
    return { ok: true, token: signHs256(claims, this.opts.key, this.kid), identity, tokenId, expiresAt: new Date((iat + ttlSeconds) * 1000) };
  }

  /** Checks signature and claims; the identity is the token's `sub`. */
  verify(token: string): AuthResult {
    const jws = verifyHs256(token, this.opts.key, this.kid);
    if (!jws.ok) return { ok: false, reason: jws.reason, message: `bootstrap token: ${jws.message}` };
    const c = jws.payload;
    const now = this.clock() / 1000;
    if (typeof c['exp'] !== 'number' || typeof c['iat'] !== 'number') return invalid('invalid-claims', 'iat and exp must be numbers');
    const aud = c['aud'];
    if (aud !== BOOTSTRAP_TOKEN_AUDIENCE && !(Array.isArray(aud) && aud.includes(BOOTSTRAP_TOKEN_AUDIENCE))) {
      return invalid('wrong-audience', `audience is not ${BOOTSTRAP_TOKEN_AUDIENCE}`);
    }
    if (c['exp'] <= now) return invalid('expired', `expired at ${new Date(c['exp'] * 1000).toISOString()}`);
    if (c['iat'] > now + LEEWAY_S || (typeof c['nbf'] === 'number' && c['nbf'] > now + LEEWAY_S)) return invalid('not-yet-valid', 'issued in the future');
    if (c['iss'] !== undefined && c['iss'] !== BOOTSTRAP_TOKEN_ISSUER) return invalid('invalid-claims', `issuer is not ${BOOTSTRAP_TOKEN_ISSUER}`);
    const sub = c['sub'];
    const parsed = typeof sub === 'string' ? parseSpiffeId(sub) : undefined;
    if (!parsed || parsed.trustDomain !== this.opts.trustDomain) return invalid('invalid-claims', `subject is not a SPIFFE ID in trust domain ${this.opts.trustDomain}`);
    const jti = typeof c['jti'] === 'string' ? c['jti'] : undefined;
    return { ok: true, identity: sub as string, method: this.method, ...(jti ? { credentialId: jti } : {}), expiresAt: new Date(c['exp'] * 1000) };
  }

  /**
   * {@link Authenticator}: the bearer token, if any, as a bootstrap token. A token that is not an
   * HS256 JWS at all (a Kubernetes service-account token is RS256; some tokens are opaque) is not
   * ours: `not-applicable`, so another authenticator's verdict is the one reported.
   */
  async authenticate(credentials: CallerCredentials): Promise<AuthResult> {
    if (!credentials.bearerToken) return { ok: false, reason: 'missing-credentials', message: 'no bearer token' };
    const r = this.verify(credentials.bearerToken);
    return !r.ok && r.reason === 'malformed' ? { ...r, reason: 'not-applicable' } : r;
  }

  /** True when `token` claims to be one of ours (HS256, issuer mesh-citadel): other authenticators leave it alone. */
  static looksLikeBootstrapToken(token: string): boolean {
    const jwt = peekJwt(token);
    return jwt?.header['alg'] === 'HS256' && jwt.payload['iss'] === BOOTSTRAP_TOKEN_ISSUER;
  }
}

function invalid(reason: 'invalid-claims' | 'wrong-audience' | 'expired' | 'not-yet-valid', message: string): AuthResult {
  return { ok: false, reason, message: `bootstrap token: ${message}` };
}
