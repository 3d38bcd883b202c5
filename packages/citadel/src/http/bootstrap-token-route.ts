import type { AdminServer, Logger } from '@mesh/runtime';
import { ErrorCodes, parseSpiffeId, spiffeId } from '@mesh/shared-api';
import type { ErrorCode } from '@mesh/shared-api';
import { checkAdminAuthorization } from '../auth/admin-token.js';
import type { BootstrapTokens } from '../auth/bootstrap-tokens.js';

/** The admin server's fastify instance. */
type AdminApp = AdminServer['app'];

/** `POST /v1/bootstrap-tokens` body: an identity, or its namespace and service account. */
export interface BootstrapTokenRequest {
  identity?: string;
  namespace?: string;
  serviceAccount?: string;
  ttlSeconds?: number;
}

/** What the route needs; `adminToken` undefined means issuing is disabled (403). */
export interface BootstrapTokenRouteOptions {
  tokens: BootstrapTokens;
  adminToken: string | undefined;
  trustDomain: string;
  defaultTtlSeconds: number;
  logger: Logger;
}

/** Where operators mint bootstrap tokens, on the admin (monitoring) server. */
export const BOOTSTRAP_TOKENS_PATH = '/v1/bootstrap-tokens';

/**
 * Registers `POST /v1/bootstrap-tokens`: an operator holding the admin token mints a token for one
 * workload identity. 401 without or with a wrong admin token, 403 when no admin token is
 * configured, 400 for a bad request, 200 `{ token, identity, tokenId, expiresAt }`.
 */
export function registerBootstrapTokenRoute(app: AdminApp, opts: BootstrapTokenRouteOptions): void {
  const log = opts.logger;
  app.post(BOOTSTRAP_TOKENS_PATH, async (req, reply) => {
    const fail = (code: ErrorCode, message: string) => reply.code(ErrorCodes[code].http).send({ code, message });
    if (opts.adminToken === undefined) {
      return fail('FORBIDDEN', 'issuing bootstrap tokens is disabled: set MESH_CITADEL_ADMIN_TOKEN_FILE to a file holding an admin token (at least 16 characters) and restart Citadel');
    }
    const authz = checkAdminAuthorization(req.headers.authorization, opts.adminToken);
    if (authz !== 'ok') {
      log.warn({ remote: req.ip, reason: authz === 'missing' ? 'missing-admin-token' : 'invalid-admin-token' }, 'bootstrap token request refused');
      void reply.header('www-authenticate', 'Bearer realm="mesh-citadel"');
      return fail('UNAUTHENTICATED', authz === 'missing' ? 'send "Authorization: Bearer <admin token>"' : 'the admin token is not valid');
    }
    const body = (req.body ?? {}) as BootstrapTokenRequest;
    if (typeof body !== 'object' || Array.isArray(body)) return fail('BAD_REQUEST', 'the body must be a JSON object');
    const identity = identityOf(body, opts.trustDomain);
    if (!identity.ok) return fail('BAD_REQUEST', identity.message);
    const ttl = body.ttlSeconds ?? opts.defaultTtlSeconds;
    if (typeof ttl !== 'number') return fail('BAD_REQUEST', 'ttlSeconds must be a number');
    const issued = opts.tokens.issue(identity.value, ttl);
    if (!issued.ok) return fail('BAD_REQUEST', issued.message);
    log.info({ remote: req.ip, identity: issued.identity, tokenId: issued.tokenId, expiresAt: issued.expiresAt.toISOString() }, 'issued a bootstrap token');
    return reply.code(200).send({ token: issued.token, identity: issued.identity, tokenId: issued.tokenId, expiresAt: issued.expiresAt.toISOString() });
  });
}

function identityOf(body: BootstrapTokenRequest, trustDomain: string): { ok: true; value: string } | { ok: false; message: string } {
  if (body.identity !== undefined) {
    if (body.namespace !== undefined || body.serviceAccount !== undefined) return { ok: false, message: 'give identity, or namespace and serviceAccount, not both' };
    if (typeof body.identity !== 'string' || !parseSpiffeId(body.identity)) return { ok: false, message: 'identity must be a SPIFFE ID: spiffe://<trust-domain>/ns/<ns>/sa/<sa>' };
    return { ok: true, value: body.identity };
  }
  if (typeof body.namespace !== 'string' || typeof body.serviceAccount !== 'string') {
    return { ok: false, message: 'give identity (a SPIFFE ID), or namespace and serviceAccount' };
  }
  try {
    return { ok: true, value: spiffeId(trustDomain, body.namespace, body.serviceAccount) };
  } catch {
    return { ok: false, message: 'namespace and serviceAccount must be lower-case DNS names (a-z, 0-9, "-", ".")' };
  }
}
