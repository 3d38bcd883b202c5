import type { VerifiedJwt } from './jwt-authn.js';
import type { IstioAuthnModel } from './jwt-model.js';

/** The dynamic metadata namespace Istio's authentication filter writes and Istio's RBAC rules read. */
export const ISTIO_AUTHN_METADATA = 'istio_authn';

/** Istio 1.4's authentication filter's reply when a required origin (JWT) is missing or invalid. */
export const ORIGIN_AUTHN_FAILED = 'Origin authentication failed.';

/** What the authentication step establishes: the `istio_authn` metadata, or a 401 when a required origin is absent. */
export type IstioAuthnOutcome = { readonly ok: true; readonly metadata: Record<string, unknown> } | { readonly ok: false; readonly body: string };

/** A claim as Istio exposes it to RBAC: a list of strings (`request.auth.claims[<name>]`). */
function claimList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((e): e is string => typeof e === 'string');
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  return undefined;
}

/**
 * Istio's authentication filter (`istio_authn`): the peer identity from mTLS becomes
 * `source.principal` / `source.user`; the first verified JWT of the policy's origins becomes
 * `request.auth.principal` (`<iss>/<sub>`), `request.auth.audiences`, `request.auth.presenter`
 * (`azp`) and `request.auth.claims`. A policy that requires an origin refuses a request without
 * one (401). Without an `istio_authn` filter in the chain, every verified JWT may be the origin.
 */
export function istioAuthn(model: IstioAuthnModel | undefined, peerPrincipal: string | undefined, verified: readonly VerifiedJwt[]): IstioAuthnOutcome {
  const metadata: Record<string, unknown> = {};
  if (peerPrincipal) {
    metadata['source.principal'] = peerPrincipal;
    metadata['source.user'] = peerPrincipal;
  }
  const origin = model ? pickOrigin(model, verified) : verified[0];
  if (!origin && model?.originRequired) return { ok: false, body: ORIGIN_AUTHN_FAILED };
  if (origin) {
    const p = origin.payload;
    const iss = typeof p['iss'] === 'string' ? p['iss'] : '';
    const sub = typeof p['sub'] === 'string' ? p['sub'] : '';
    if (iss || sub) metadata['request.auth.principal'] = `${iss}/${sub}`;
    const aud = claimList(p['aud']);
    if (aud && aud.length > 0) metadata['request.auth.audiences'] = aud[0];
    if (typeof p['azp'] === 'string') metadata['request.auth.presenter'] = p['azp'];
    const claims: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(p)) {
      const list = claimList(v);
      if (list) claims[k] = list;
    }
    metadata['request.auth.claims'] = claims;
    metadata['request.auth.raw_claims'] = JSON.stringify(p);
  }
  return { ok: true, metadata };
}

function pickOrigin(model: IstioAuthnModel, verified: readonly VerifiedJwt[]): VerifiedJwt | undefined {
  for (const o of model.origins) {
    const v = verified.find((j) => j.payload['iss'] === o.issuer);
    if (v) return v;
  }
  return undefined;
}
