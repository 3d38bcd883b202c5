import { createHash, timingSafeEqual } from 'node:crypto';
import type { RoleGrant } from './authorizer.js';
import type { TokenEntry } from './tokens-file.js';

/** Who made a request, and the roles authorization checks. */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  readonly roles: readonly RoleGrant[];
}

/** The outcome of authenticating one request: a user, or why access is refused. */
export type AuthResult = { ok: true; user: UserInfo } | { ok: false; message: string };

/** Decides who a request comes from, given its `Authorization` header. */
export interface Authenticator {
  authenticate(authorization: string | undefined): AuthResult;
}

/** How Galley's API access is configured: an explicit anonymous opt-in and/or bearer tokens. */
export interface AuthConfig {
  readonly anonymous: boolean;
  /** A single bearer token (MESH_GALLEY_TOKEN_FILE) granting admin everywhere; never logged. */
  readonly token?: string;
  /** Tokens with users and namespace-scoped roles (MESH_GALLEY_TOKENS_FILE); never logged. */
  readonly tokens?: readonly TokenEntry[];
}

const EVERYTHING: readonly RoleGrant[] = Object.freeze([Object.freeze({ role: 'admin' as const, namespaces: Object.freeze(['*']) })]);
// Anonymous access is the local demo's opt-in: it can do everything, as before roles existed.
const ANONYMOUS: UserInfo = Object.freeze({ username: 'system:anonymous', groups: Object.freeze(['system:unauthenticated']), roles: EVERYTHING });
const TOKEN_USER: UserInfo = Object.freeze({ username: 'galley:token', groups: Object.freeze(['system:authenticated']), roles: EVERYTHING });

/** The 401 message when no access method is configured: says how to configure one. */
export const NO_ACCESS_CONFIGURED =
  'Galley API access is not configured: set MESH_GALLEY_TOKENS_FILE (--tokens-file) or MESH_GALLEY_TOKEN_FILE (--token-file) ' +
  'and send "Authorization: Bearer <token>", or set MESH_GALLEY_ANONYMOUS=true for a local demo';

interface KnownToken {
  readonly digest: Buffer;
  readonly user: UserInfo;
}

/**
 * Bearer-token authentication with an optional anonymous fallback. As in Kubernetes, a request
 * that presents credentials is judged on them (a wrong token is refused even when anonymous
 * access is on); only a request without credentials may be anonymous.
 */
export class TokenAuthenticator implements Authenticator {
  private readonly known: readonly KnownToken[];

  constructor(private readonly config: AuthConfig) {
    const known: KnownToken[] = [];
    if (config.token) known.push({ digest: digest(config.token), user: TOKEN_USER });
    for (const t of config.tokens ?? []) {
      known.push({ digest: digest(t.token), user: Object.freeze({ username: t.user, groups: Object.freeze(['system:authenticated']), roles: t.roles }) });
    }
    this.known = Object.freeze(known);
  }

  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization === '') {
      if (this.config.anonymous) return { ok: true, user: ANONYMOUS };
      return { ok: false, message: this.known.length > 0 ? 'Unauthorized: send "Authorization: Bearer <token>"' : NO_ACCESS_CONFIGURED };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, message: 'Unauthorized: the Authorization header must be "Bearer <token>"' };
    if (this.known.length === 0) return { ok: false, message: this.config.anonymous ? 'Unauthorized: this Galley accepts no tokens' : NO_ACCESS_CONFIGURED };
    // Fixed-length digests compared in constant time, against every known token without stopping
    // early: the time taken reveals neither the token's content, its length, nor which entry matched.
    const presented = digest(match[1]!);
    let user: UserInfo | undefined;
    for (const k of this.known) {
      if (timingSafeEqual(presented, k.digest)) user ??= k.user;
    }
    return user ? { ok: true, user } : { ok: false, message: 'Unauthorized: invalid bearer token' };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
