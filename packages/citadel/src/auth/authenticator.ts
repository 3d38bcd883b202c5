/**
 * Caller authentication for CreateCertificate. Each authenticator proves an identity from what the
 * caller presented; the first that succeeds wins (Istio's authenticator chain). Bootstrap tokens
 * come first; issue 6 adds Kubernetes TokenReview and mTLS peer certificates behind this interface.
 */
export interface CallerCredentials {
  /** The bearer token from the `authorization` metadata, without the scheme. */
  bearerToken?: string;
}

/** Why a caller was not authenticated. `missing-credentials`: nothing this authenticator handles. */
export type AuthFailureReason = 'missing-credentials' | 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'wrong-audience' | 'invalid-claims';

/** The identity a caller proved (and how), or why it proved none. */
export type AuthResult =
  | { ok: true; identity: string; method: string; credentialId?: string; expiresAt?: Date }
  | { ok: false; reason: AuthFailureReason; message: string };

/** One way of proving an identity. */
export interface Authenticator {
  readonly method: string;
  authenticate(credentials: CallerCredentials): Promise<AuthResult>;
}

/** Runs the chain: the first success, else the first real failure, else "missing credentials". */
export async function authenticateCaller(authenticators: readonly Authenticator[], credentials: CallerCredentials): Promise<AuthResult> {
  let failure: AuthResult | undefined;
  for (const a of authenticators) {
    const r = await a.authenticate(credentials);
    if (r.ok) return r;
    if (r.reason !== 'missing-credentials') failure ??= r;
  }
  return failure ?? { ok: false, reason: 'missing-credentials', message: 'no credentials: send "authorization: Bearer <token>" metadata' };
}

/** The token from an `authorization` value (`Bearer <token>`, scheme case-insensitive, RFC 6750 §2.1). */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
