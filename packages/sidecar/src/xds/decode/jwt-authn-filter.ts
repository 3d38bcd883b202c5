import { structToJson } from '@mesh/shared-api';
import { parseJwks } from '../../security/authn/jwks.js';
import type { IstioAuthnModel, JwtAuthnModel, JwtLocationModel, JwtProviderModel, JwtRequirementModel, JwtRuleModel } from '../../security/authn/jwt-model.js';
import type { Problems } from './fields.js';
import { arr, boolValue, isSet, obj, str, uint32Value } from './fields.js';
import { routeMatch } from './route-match.js';

/** Envoy's default token locations: `Authorization: Bearer <token>` and `?access_token=<token>`. */
const DEFAULT_LOCATIONS: readonly JwtLocationModel[] = [
  { kind: 'header', name: 'authorization', valuePrefix: 'Bearer ' },
  { kind: 'param', name: 'access_token' },
];

/**
 * Decodes `envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto):
 * providers with inline key sets (`local_jwks`, imported here once per configuration), token
 * locations, forwarding, and the rules with their requirements. `remote_jwks` is accepted but
 * never fetched (Pilot inlines key sets, as istiod does): its tokens fail with Envoy's
 * "Jwks remote fetch is failed". Cookies, `requirement_map` and filter-state rules are refused.
 */
export function jwtAuthnFilter(name: string, raw: Record<string, unknown>, at: string, p: Problems): JwtAuthnModel {
  const providers = new Map<string, JwtProviderModel>();
  for (const [pname, prov] of Object.entries(obj(raw['providers']))) providers.set(pname, provider(pname, obj(prov), `${at}providers[${pname}].`, p));
  if (isSet(raw['filter_state_rules'])) p.add(`${at}filter_state_rules`, 'jwt_authn filter_state_rules are not supported by the sidecar');
  if (Object.keys(obj(raw['requirement_map'])).length > 0) p.add(`${at}requirement_map`, 'jwt_authn requirement_map is not supported by the sidecar');
  const rules: JwtRuleModel[] = arr(raw['rules']).map((r, i) => {
    const ro = obj(r);
    const rat = `${at}rules[${i}].`;
    if (str(ro['requirement_name'])) p.add(`${rat}requirement_name`, 'jwt_authn requirement_name is not supported by the sidecar');
    const requires = isSet(ro['requires']) ? requirement(obj(ro['requires']), `${rat}requires.`, providers, p) : undefined;
    return { match: routeMatch(obj(ro['match']), `${rat}match.`, p), ...(requires ? { requires } : {}) };
  });
  return { name, providers, rules, bypassCorsPreflight: raw['bypass_cors_preflight'] === true };
}

function provider(name: string, raw: Record<string, unknown>, at: string, p: Problems): JwtProviderModel {
  if (arr(raw['from_cookies']).length > 0) p.add(`${at}from_cookies`, 'JWT in cookies is not supported by the sidecar');
  let jwks: JwtProviderModel['jwks'];
  if (isSet(raw['local_jwks'])) {
    const src = obj(raw['local_jwks']);
    const text = typeof src['inline_string'] === 'string' ? src['inline_string'] : src['inline_bytes'] instanceof Uint8Array ? Buffer.from(src['inline_bytes']).toString('utf8') : undefined;
    if (text === undefined) {
      p.add(`${at}local_jwks`, 'local_jwks needs inline_string or inline_bytes (files are not read by the sidecar)');
      jwks = { kind: 'unavailable', reason: "Jwks doesn't have valid keys" };
    } else jwks = parseJwks(text);
  } else if (isSet(raw['remote_jwks'])) {
    p.warn(`${at}remote_jwks: the sidecar does not fetch key sets; tokens of this provider fail until Pilot inlines them`);
    jwks = { kind: 'unavailable', reason: 'Jwks remote fetch is failed' };
  } else {
    p.add(`${at}jwks_source_specifier`, 'a JWT provider needs local_jwks or remote_jwks');
    jwks = { kind: 'unavailable', reason: "Jwks doesn't have valid keys" };
  }
  const headers: JwtLocationModel[] = arr(raw['from_headers']).map((h) => ({ kind: 'header', name: str(obj(h)['name']).toLowerCase(), valuePrefix: str(obj(h)['value_prefix']) }));
  const params: JwtLocationModel[] = arr(raw['from_params']).map((q) => ({ kind: 'param', name: str(q) }));
  const locations = headers.length + params.length > 0 ? [...headers, ...params] : DEFAULT_LOCATIONS;
  const forwardPayloadHeader = str(raw['forward_payload_header']).toLowerCase();
  const payloadInMetadata = str(raw['payload_in_metadata']);
  return {
    name,
    issuer: str(raw['issuer']),
    audiences: arr(raw['audiences']).map(str),
    jwks,
    locations,
    forward: boolValue(raw['forward']) ?? false,
    ...(forwardPayloadHeader ? { forwardPayloadHeader } : {}),
    ...(payloadInMetadata ? { payloadInMetadata } : {}),
    clockSkewSeconds: uint32Value(raw['clock_skew_seconds']) ?? 60,
  };
}

function requirement(raw: Record<string, unknown>, at: string, providers: ReadonlyMap<string, JwtProviderModel>, p: Problems): JwtRequirementModel {
  const named = (n: string, fat: string): void => {
    if (!providers.has(n)) p.add(fat, `requirement names provider ${n}, which is not configured`);
  };
  if (typeof raw['provider_name'] === 'string' && raw['provider_name']) {
    named(raw['provider_name'], `${at}provider_name`);
    return { kind: 'provider', name: raw['provider_name'] };
  }
  if (isSet(raw['provider_and_audiences'])) {
    const pa = obj(raw['provider_and_audiences']);
    named(str(pa['provider_name']), `${at}provider_and_audiences.provider_name`);
    return { kind: 'provider', name: str(pa['provider_name']), audiences: arr(pa['audiences']).map(str) };
  }
  for (const [field, kind] of [['requires_any', 'any'], ['requires_all', 'all']] as const) {
    if (isSet(raw[field])) return { kind, of: arr(obj(raw[field])['requirements']).map((r, i) => requirement(obj(r), `${at}${field}.requirements[${i}].`, providers, p)) };
  }
  if (isSet(raw['allow_missing_or_failed'])) return { kind: 'allowMissingOrFailed' };
  if (isSet(raw['allow_missing'])) return { kind: 'allowMissing' };
  p.add(at.replace(/\.$/, ''), 'a JWT requirement needs provider_name, provider_and_audiences, requires_any, requires_all, allow_missing or allow_missing_or_failed');
  return { kind: 'allowMissingOrFailed' };
}

/**
 * Istio's `istio_authn` filter, sent as a `udpa.type.v1.TypedStruct` holding
 * `istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig` as JSON: the policy's JWT origins
 * (by issuer, with their payload locations) and whether an origin is required.
 */
export function istioAuthnFilter(name: string, typedStruct: Record<string, unknown>): IstioAuthnModel {
  const value = structToJson(typedStruct['value']) ?? {};
  const policy = obj(value['policy']);
  const locations = obj(value['jwt_output_payload_locations']);
  const origins = arr(policy['origins'])
    .map((o) => str(obj(obj(o)['jwt'])['issuer']))
    .filter((iss) => iss !== '')
    .map((issuer) => ({ issuer, payloadKey: str(locations[issuer]) || issuer }));
  return { name, origins, originRequired: origins.length > 0 && policy['origin_is_optional'] !== true };
}
