import { createHash, timingSafeEqual } from 'node:crypto';

/** Who made a request; issue-level authorization (roles) will key off this. */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

/** The outcome of authenticating one request: a user, or why access is refused. */
export type AuthResult = { ok: true; user: UserInfo } | { ok: false; message: string };

/** Decides who a request comes from, given its `Authorization` header. */
export interface Authenticator {
  authenticate(authorization: string | undefined): AuthResult;
}

/** How Galley's API access is configured: an explicit anonymous opt-in and/or a bearer token. */
export interface AuthConfig {
  readonly anonymous: boolean;
  /** The bearer token's value (already read from its file); never logged. */
  readonly token?: string;
}

const ANONYMOUS: UserInfo = Object.freeze({ username: 'system:anonymous', groups: Object.freeze(['system:unauthenticated']) });
const TOKEN_USER: UserInfo = Object.freeze({ username: 'galley:token', groups: Object.freeze(['system:authenticated']) });

/** The 401 message when no access method is configured: says how to configure one. */
export const NO_ACCESS_CONFIGURED =
  'Galley API access is not configured: set MESH_GALLEY_TOKEN_FILE (--token-file) to a file holding a bearer token ' +
  'and send "Authorization: Bearer <token>", or set MESH_GALLEY_ANONYMOUS=true for a local demo';

/**
 * Bearer-token authentication with an optional anonymous fallback. As in Kubernetes, a request
 * that presents credentials is judged on them (a wrong token is refused even when anonymous
 * access is on); only a request without credentials may be anonymous.
 */
export class TokenAuthenticator implements Authenticator {
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly config: AuthConfig) {
    this.tokenDigest = config.token ? digest(config.token) : undefined;
  }

  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization === '') {
      if (this.config.anonymous) return { ok: true, user: ANONYMOUS };
      return { ok: false, message: this.tokenDigest ? 'Unauthorized: send "Authorization: Bearer <token>"' : NO_ACCESS_CONFIGURED };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, message: 'Unauthorized: the Authorization header must be "Bearer <token>"' };
    if (!this.tokenDigest) return { ok: false, message: this.config.anonymous ? 'Unauthorized: this Galley accepts no tokens' : NO_ACCESS_CONFIGURED };
    // Comparing fixed-length digests in constant time hides both the token's content and its length.
    return timingSafeEqual(digest(match[1]!), this.tokenDigest) ? { ok: true, user: TOKEN_USER } : { ok: false, message: 'Unauthorized: invalid bearer token' };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
