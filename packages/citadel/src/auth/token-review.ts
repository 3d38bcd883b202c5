import { InvalidSpiffeIdError, spiffeId } from '@mesh/shared-api';
import type { Authenticator, AuthResult, CallerCredentials } from './authenticator.js';
import { BootstrapTokens } from './bootstrap-tokens.js';

/**
 * `status` of an `authentication.k8s.io/v1` TokenReview, the fields Citadel reads
 * (https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-review-v1/).
 */
export interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: string[];
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

/** Sends one TokenReview (spec.token, spec.audiences) and returns its status; throws when the API server cannot be asked. */
export interface TokenReviewer {
  review(token: string, audiences: readonly string[]): Promise<TokenReviewStatus>;
}

/** `system:serviceaccount:<namespace>:<name>`: how the API server names a service account's user. */
const SA_USERNAME = /^system:serviceaccount:([^:]+):([^:]+)$/;
/** Every service account's user is in this group (Istio's TokenReview check requires it too). */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** The pod a bound service-account token was issued for (TokenReview `user.extra`). */
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

/**
 * Turns a TokenReview's status into the identity it proves, `spiffe://<td>/ns/<ns>/sa/<sa>`.
 * Pure. Refused: not authenticated (the API server's `error` is the message), a user that is not a
 * service account, and — when Citadel asked for audiences — a status whose audiences share none
 * with them (the API server already checks this; checking again costs nothing and protects against
 * a server that ignores `spec.audiences`).
 */
export function identityFromTokenReview(status: TokenReviewStatus, audiences: readonly string[], trustDomain: string): AuthResult {
  if (status.authenticated !== true) {
    const error = status.error ?? 'the token is not valid';
    return { ok: false, reason: /audience/i.test(error) ? 'wrong-audience' : /expired/i.test(error) ? 'expired' : 'rejected', message: `TokenReview: ${error}` };
  }
  const username = status.user?.username ?? '';
  const m = SA_USERNAME.exec(username);
  if (!m) return { ok: false, reason: 'invalid-claims', message: `TokenReview: ${username || 'the user'} is not a service account (system:serviceaccount:<namespace>:<name>)` };
  if (!(status.user?.groups ?? []).includes(SERVICE_ACCOUNTS_GROUP)) return { ok: false, reason: 'invalid-claims', message: `TokenReview: ${username} is not in the group ${SERVICE_ACCOUNTS_GROUP}` };
  if (audiences.length > 0 && !(status.audiences ?? []).some((a) => audiences.includes(a))) {
    return { ok: false, reason: 'wrong-audience', message: `TokenReview: the token is not for any of the audiences ${JSON.stringify(audiences)}` };
  }
  let identity: string;
  try {
    identity = spiffeId(trustDomain, m[1]!, m[2]!);
  } catch (err) {
    if (err instanceof InvalidSpiffeIdError) return { ok: false, reason: 'invalid-claims', message: `TokenReview: ${err.message}` };
    throw err;
  }
  const pod = status.user?.extra?.[POD_NAME_EXTRA]?.[0];
  const uid = status.user?.uid;
  return { ok: true, identity, method: 'kubernetes-token', ...(uid || pod ? { credentialId: pod ? `pod:${pod}` : `uid:${uid!}` } : {}) };
}

/** Options: who to ask, which audiences the token must be for, and the trust domain of identities. */
export interface KubeTokenAuthenticatorOptions {
  reviewer: TokenReviewer;
  /** Sent as `spec.audiences`; empty: the API server's own audiences (legacy, non-projected tokens). */
  audiences: readonly string[];
  trustDomain: string;
}

/**
 * Kubernetes service-account tokens, checked with TokenReview (Istio's kube JWT authenticator).
 * Bootstrap tokens (HS256, issuer mesh-citadel) are left to {@link BootstrapTokens}, so a forged
 * one is never sent to the API server. An unreachable API server is `unavailable` (the caller
 * retries), never a refusal.
 */
export class KubeTokenAuthenticator implements Authenticator {
  readonly method = 'kubernetes-token';

  constructor(private readonly opts: KubeTokenAuthenticatorOptions) {}

  /** {@link Authenticator}: the bearer token as a service-account token. */
  async authenticate(credentials: CallerCredentials): Promise<AuthResult> {
    const token = credentials.bearerToken;
    if (!token) return { ok: false, reason: 'missing-credentials', message: 'no bearer token' };
    if (BootstrapTokens.looksLikeBootstrapToken(token)) return { ok: false, reason: 'not-applicable', message: 'a bootstrap token is not a Kubernetes token' };
    let status: TokenReviewStatus;
    try {
      status = await this.opts.reviewer.review(token, this.opts.audiences);
    } catch (err) {
      return { ok: false, reason: 'unavailable', message: `TokenReview failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    return identityFromTokenReview(status, this.opts.audiences, this.opts.trustDomain);
  }
}
