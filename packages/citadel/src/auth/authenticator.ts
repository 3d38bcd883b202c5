/**
 * Caller authentication for CreateCertificate. Each authenticator proves an identity from what the
 * caller presented; the first that succeeds wins (Istio's authenticator chain): bootstrap tokens
 * (signed by this Citadel) and Kubernetes service-account tokens (checked with TokenReview).
 */
export interface CallerCredentials {
  /** The bearer token from the `authorization` metadata, without the scheme. */
  bearerToken?: string;
}

/**
 * Why a caller was not authenticated. `missing-credentials`: no credentials at all;
 * `not-applicable`: credentials of another kind (an SA token seen by the bootstrap-token check);
 * `rejected`: the Kubernetes API server said the token is not valid (its reason in the message);
 * `unavailable`: the authenticator could not decide (API server unreachable): worth retrying.
 */
export type AuthFailureReason =
  | 'missing-credentials'
  | 'not-applicable'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'invalid-claims'
  | 'rejected'
  | 'unavailable';

/** The identity a caller proved (and how), or why it proved none. */
export type AuthResult =
  | { ok: true; identity: string; method: string; credentialId?: string; expiresAt?: Date }
  | { ok: false; reason: AuthFailureReason; message: string };

/** One way of proving an identity. */
export interface Authenticator {
  readonly method: string;
  authenticate(credentials: CallerCredentials): Promise<AuthResult>;
}

/**
 * Runs the chain: the first success, else the first real failure (an authenticator that handles
 * this kind of credential said no), else the first "not applicable", else "missing credentials".
 */
export async function authenticateCaller(authenticators: readonly Authenticator[], credentials: CallerCredentials): Promise<AuthResult> {
  let failure: AuthResult | undefined;
  let notApplicable: AuthResult | undefined;
  for (const a of authenticators) {
    const r = await a.authenticate(credentials);
    if (r.ok) return r;
    if (r.reason === 'not-applicable') notApplicable ??= r;
    else if (r.reason !== 'missing-credentials') failure ??= r;
  }
  return failure ?? notApplicable ?? { ok: false, reason: 'missing-credentials', message: 'no credentials: send "authorization: Bearer <token>" metadata' };
}

/** The decoded JOSE header and payload of a compact JWS, without any verification (for routing only). */
export function peekJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The token from an `authorization` value (`Bearer <token>`, scheme case-insensitive, RFC 6750 §2.1). */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
