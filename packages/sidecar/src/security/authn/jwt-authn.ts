import type { RequestFacts } from '../../routing/match.js';
import { matchRoute, queryParameter } from '../../routing/match.js';
import type { JwtAuthnModel, JwtLocationModel, JwtProviderModel, JwtRequirementModel } from './jwt-model.js';
import type { JwtStatusMessage, JwtVerifyResult } from './jwt-verify.js';
import { JwtStatus, verifyJwt } from './jwt-verify.js';

/** A token that passed verification: its provider, payload and where it was found. */
export interface VerifiedJwt {
  readonly provider: JwtProviderModel;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly payloadB64: string;
  readonly location: JwtLocationModel;
}

/** What the jwt_authn filter decides: go on (with the tokens it verified), or Envoy's 401 with a status message. */
export type JwtAuthnOutcome = { readonly ok: true; readonly verified: readonly VerifiedJwt[] } | { readonly ok: false; readonly status: JwtStatusMessage };

type ProviderResult = { ok: true; jwt: VerifiedJwt } | { ok: false; status: JwtStatusMessage };

/** A token as found in one of a provider's locations. */
function extract(provider: JwtProviderModel, facts: RequestFacts): { token: string; location: JwtLocationModel } | undefined {
  for (const loc of provider.locations) {
    if (loc.kind === 'header') {
      const v = facts.headers[loc.name];
      if (v === undefined) continue;
      if (loc.valuePrefix && !v.startsWith(loc.valuePrefix)) continue;
      const token = v.slice(loc.valuePrefix.length).trim();
      if (token) return { token, location: loc };
    } else {
      const v = queryParameter(facts.path, loc.name);
      if (v) return { token: v, location: loc };
    }
  }
  return undefined;
}

/**
 * Envoy's jwt_authn filter for one request
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter):
 * the first rule whose match holds gives the requirement; each provider named verifies the token
 * found in its locations (once per request). `requires_any` passes when a child passes, else it
 * reports the most telling failure (a real verification error before a wrong issuer before a
 * missing token); `allow_missing` passes when no token was there at all, `allow_missing_or_failed`
 * always passes (Istio 1.4 then lets its authentication filter decide).
 */
export async function runJwtAuthn(model: JwtAuthnModel, facts: RequestFacts, nowSeconds: number): Promise<JwtAuthnOutcome> {
  if (model.bypassCorsPreflight && facts.method === 'OPTIONS' && facts.headers['origin'] !== undefined && facts.headers['access-control-request-method'] !== undefined) return { ok: true, verified: [] };
  const rule = model.rules.find((r) => matchRoute(r.match, facts));
  if (!rule?.requires) return { ok: true, verified: [] };
  const results = new Map<string, Promise<ProviderResult>>();
  const byProvider = (name: string): Promise<ProviderResult> => {
    let r = results.get(name);
    if (!r) {
      r = verifyProvider(model.providers.get(name), facts, nowSeconds);
      results.set(name, r);
    }
    return r;
  };
  const status = await evaluate(rule.requires, byProvider);
  if (status !== 'ok') return { ok: false, status };
  const verified: VerifiedJwt[] = [];
  for (const r of results.values()) {
    const v = await r;
    if (v.ok && !verified.some((x) => x.provider === v.jwt.provider)) verified.push(v.jwt);
  }
  return { ok: true, verified };
}

async function verifyProvider(provider: JwtProviderModel | undefined, facts: RequestFacts, nowSeconds: number): Promise<ProviderResult> {
  if (!provider) return { ok: false, status: JwtStatus.JwtUnknownIssuer };
  const found = extract(provider, facts);
  if (!found) return { ok: false, status: JwtStatus.JwtMissed };
  const r: JwtVerifyResult = await verifyJwt(found.token, provider, nowSeconds);
  return r.ok ? { ok: true, jwt: { provider, payload: r.payload, payloadB64: r.payloadB64, location: found.location } } : { ok: false, status: r.status };
}

type Status = 'ok' | JwtStatusMessage;

/** Rank of a failure when several children of `requires_any` failed: higher is reported. */
function rank(s: Status): number {
  if (s === JwtStatus.JwtMissed) return 0;
  if (s === JwtStatus.JwtUnknownIssuer) return 1;
  return 2;
}

async function evaluate(req: JwtRequirementModel, byProvider: (name: string) => Promise<ProviderResult>): Promise<Status> {
  switch (req.kind) {
    case 'provider': {
      const r = await byProvider(req.name);
      if (!r.ok) return r.status;
      if (req.audiences && req.audiences.length > 0) {
        const aud = r.jwt.payload['aud'];
        const auds = Array.isArray(aud) ? aud : [aud];
        if (!auds.some((a) => typeof a === 'string' && req.audiences!.includes(a))) return JwtStatus.JwtAudienceNotAllowed;
      }
      return 'ok';
    }
    case 'all': {
      for (const child of req.of) {
        const s = await evaluate(child, byProvider);
        if (s !== 'ok') return s;
      }
      return 'ok';
    }
    case 'any': {
      const statuses = await Promise.all(req.of.filter((c) => c.kind !== 'allowMissing' && c.kind !== 'allowMissingOrFailed').map((c) => evaluate(c, byProvider)));
      if (statuses.includes('ok')) return 'ok';
      if (req.of.some((c) => c.kind === 'allowMissingOrFailed')) return 'ok';
      const worst = statuses.reduce<Status>((acc, s) => (rank(s) > rank(acc) ? s : acc), JwtStatus.JwtMissed);
      if (worst === JwtStatus.JwtMissed && req.of.some((c) => c.kind === 'allowMissing')) return 'ok';
      return worst;
    }
    case 'allowMissing':
    case 'allowMissingOrFailed':
      // Alone, both pass: no provider was asked to verify anything.
      return 'ok';
  }
}
