import type { RequestFacts } from '../routing/match.js';
import type { IstioAuthnModel, JwtAuthnModel } from './authn/jwt-model.js';
import { runJwtAuthn } from './authn/jwt-authn.js';
import { istioAuthn, ISTIO_AUTHN_METADATA } from './authn/istio-authn.js';
import type { RbacFilterModel } from './authz/rbac-model.js';
import { evaluateRbacFilters, RBAC_DENIED_BODY } from './authz/rbac-engine.js';

/**
 * The security filters of an HTTP connection manager, in Envoy's order: `envoy.filters.http.jwt_authn`,
 * Istio's `istio_authn`, then the `envoy.filters.http.rbac` filters (Istio: DENY, then ALLOW).
 */
export interface HttpSecurityModel {
  readonly jwt?: JwtAuthnModel;
  readonly authn?: IstioAuthnModel;
  readonly rbac: readonly RbacFilterModel[];
}

/** The connection facts the checks read. */
export interface SecurityConn {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly serverName?: string;
  /** `cluster.local/ns/<ns>/sa/<sa>` when mTLS proved the peer's identity. */
  readonly peerPrincipal?: string;
}

/** Header changes the JWT filter asks for on the way upstream. */
export interface HeaderEdits {
  readonly remove: readonly string[];
  readonly set: Readonly<Record<string, string>>;
}

/** The outcome of the security filters: go on (with header edits), or a local reply (401 JWT / 403 RBAC). */
export type SecurityDecision =
  | { readonly ok: true; readonly edits: HeaderEdits; readonly metadata: Record<string, unknown> }
  | { readonly ok: false; readonly status: 401 | 403; readonly body: string; readonly headers: Readonly<Record<string, string>>; readonly flag?: 'RBAC' };

/**
 * Runs jwt_authn → istio_authn → RBAC for one request. Pure apart from the clock passed in
 * (the JWT signature check is asynchronous).
 */
export async function checkHttpSecurity(model: HttpSecurityModel, facts: RequestFacts, conn: SecurityConn, nowSeconds: number): Promise<SecurityDecision> {
  const remove: string[] = [];
  const set: Record<string, string> = {};
  let verified: Awaited<ReturnType<typeof runJwtAuthn>> = { ok: true, verified: [] };
  if (model.jwt) {
    verified = await runJwtAuthn(model.jwt, facts, nowSeconds);
    if (!verified.ok) {
      // Envoy's reply: the status message as body, and an RFC 6750 challenge.
      const realm = `http://${facts.authority}${facts.path.split('?')[0] ?? '/'}`;
      return { ok: false, status: 401, body: verified.status, headers: { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"`, 'content-type': 'text/plain' } };
    }
    for (const v of verified.verified) {
      if (!v.provider.forward && v.location.kind === 'header') remove.push(v.location.name);
      if (v.provider.forwardPayloadHeader) set[v.provider.forwardPayloadHeader] = v.payloadB64;
    }
  }
  const jwts = verified.ok ? verified.verified : [];
  const authn = istioAuthn(model.authn, conn.peerPrincipal, jwts);
  if (!authn.ok) return { ok: false, status: 401, body: authn.body, headers: { 'content-type': 'text/plain' } };
  if (model.rbac.length > 0) {
    const jwtMeta: Record<string, unknown> = {};
    for (const v of jwts) if (v.provider.payloadInMetadata) jwtMeta[v.provider.payloadInMetadata] = v.payload;
    const d = evaluateRbacFilters(model.rbac, {
      facts,
      sourceIp: conn.remoteAddress,
      destinationIp: conn.localAddress,
      destinationPort: conn.localPort,
      ...(conn.serverName ? { serverName: conn.serverName } : {}),
      ...(conn.peerPrincipal ? { peerPrincipal: conn.peerPrincipal } : {}),
      metadata: { [ISTIO_AUTHN_METADATA]: authn.metadata, 'envoy.filters.http.jwt_authn': jwtMeta },
    });
    if (!d.allowed) return { ok: false, status: 403, body: RBAC_DENIED_BODY, headers: { 'content-type': 'text/plain' }, flag: 'RBAC' };
  }
  return { ok: true, edits: { remove, set }, metadata: authn.metadata };
}

/** Applies the JWT filter's header edits to the request headers that go upstream. */
export function applyHeaderEdits(headers: Record<string, string | string[] | undefined>, edits: HeaderEdits): void {
  for (const h of edits.remove) delete headers[h];
  Object.assign(headers, edits.set);
}
