import type { HeaderMatchModel, PathMatchModel, QueryParameterMatchModel, RouteMatchModel, StringMatchModel } from '../../routing/route-model.js';
import { compileRe2 } from '../../routing/re2.js';
import type { Problems} from './fields.js';
import { arr, boolValue, isSet, obj, runtimeFraction, str } from './fields.js';

/**
 * Decodes an `envoy.config.route.v3.RouteMatch`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routematch).
 * Path specifiers `prefix`, `path` and `safe_regex`; header, query-parameter, `grpc` and
 * `runtime_fraction` matching. Anything else is a violation (NACK).
 */
export function routeMatch(raw: Record<string, unknown>, at: string, p: Problems): RouteMatchModel {
  let path: PathMatchModel = { kind: 'prefix', value: '/' };
  if (typeof raw['prefix'] === 'string') path = { kind: 'prefix', value: raw['prefix'] };
  else if (typeof raw['path'] === 'string') path = { kind: 'path', value: raw['path'] };
  else if (isSet(raw['safe_regex'])) {
    const source = str(obj(raw['safe_regex'])['regex']);
    const compiled = compileRe2(source);
    if (compiled.ok) path = { kind: 'regex', regex: compiled.regex, source };
    else p.add(`${at}safe_regex.regex`, compiled.error);
  } else {
    const kind = ['path_separated_prefix', 'connect_matcher', 'path_match_policy'].find((k) => isSet(raw[k]) || typeof raw[k] === 'string');
    p.add(`${at}${kind ?? 'path_specifier'}`, kind ? `path matcher ${kind} is not supported by the sidecar` : 'a route match needs prefix, path or safe_regex');
  }
  for (const k of ['tls_context', 'dynamic_metadata', 'filter_state']) {
    if (isSet(raw[k]) && (!Array.isArray(raw[k]) || arr(raw[k]).length > 0)) p.add(`${at}${k}`, `route match on ${k} is not supported by the sidecar`);
  }
  const headers = arr(raw['headers']).map((h, i) => headerMatch(obj(h), `${at}headers[${i}].`, p));
  const queryParameters = arr(raw['query_parameters']).map((q, i) => queryParameterMatch(obj(q), `${at}query_parameters[${i}].`, p));
  const model: RouteMatchModel = { path, caseSensitive: boolValue(raw['case_sensitive']) ?? true, headers };
  return {
    ...model,
    ...(queryParameters.length > 0 ? { queryParameters } : {}),
    ...(isSet(raw['grpc']) ? { grpc: true } : {}),
    ...(isSet(raw['runtime_fraction']) ? { fraction: runtimeFraction(raw['runtime_fraction'], 1) } : {}),
  };
}

/** Decodes an Envoy `HeaderMatcher` (current `string_match` and the older per-kind fields). */
export function headerMatch(raw: Record<string, unknown>, at: string, p: Problems): HeaderMatchModel {
  const name = str(raw['name']).toLowerCase();
  if (!name) p.add(`${at}name`, 'a header matcher needs a header name');
  const invert = raw['invert_match'] === true;
  let match: StringMatchModel = { kind: 'present', present: true };
  if (isSet(raw['string_match'])) match = stringMatch(obj(raw['string_match']), `${at}string_match.`, p);
  else if (typeof raw['exact_match'] === 'string') match = { kind: 'exact', value: raw['exact_match'], ignoreCase: false };
  else if (typeof raw['prefix_match'] === 'string') match = { kind: 'prefix', value: raw['prefix_match'], ignoreCase: false };
  else if (typeof raw['suffix_match'] === 'string') match = { kind: 'suffix', value: raw['suffix_match'], ignoreCase: false };
  else if (typeof raw['contains_match'] === 'string') match = { kind: 'contains', value: raw['contains_match'], ignoreCase: false };
  else if (isSet(raw['safe_regex_match'])) match = regexMatch(str(obj(raw['safe_regex_match'])['regex']), false, `${at}safe_regex_match.regex`, p);
  else if (typeof raw['present_match'] === 'boolean') match = { kind: 'present', present: raw['present_match'] };
  else if (isSet(raw['range_match'])) p.add(`${at}range_match`, 'header range matching is not supported by the sidecar');
  return { name, match, invert };
}

/**
 * Envoy `QueryParameterMatcher`: the parameter must be present; `string_match`, when given, must
 * hold for its (percent-decoded) first value.
 */
function queryParameterMatch(raw: Record<string, unknown>, at: string, p: Problems): QueryParameterMatchModel {
  const name = str(raw['name']);
  if (!name) p.add(`${at}name`, 'a query parameter matcher needs a name');
  const match = isSet(raw['string_match']) ? stringMatch(obj(raw['string_match']), `${at}string_match.`, p) : { kind: 'present' as const, present: true };
  return { name, match };
}

/** Decodes an Envoy `StringMatcher`. */
export function stringMatch(raw: Record<string, unknown>, at: string, p: Problems): StringMatchModel {
  const ignoreCase = raw['ignore_case'] === true;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    if (typeof raw[kind] === 'string') return { kind, value: raw[kind], ignoreCase };
  }
  if (isSet(raw['safe_regex'])) return regexMatch(str(obj(raw['safe_regex'])['regex']), ignoreCase, `${at}safe_regex.regex`, p);
  p.add(at.replace(/\.$/, ''), 'a string matcher needs exact, prefix, suffix, contains or safe_regex');
  return { kind: 'present', present: true };
}

function regexMatch(source: string, ignoreCase: boolean, at: string, p: Problems): StringMatchModel {
  const compiled = compileRe2(source, ignoreCase);
  if (compiled.ok) return { kind: 'regex', regex: compiled.regex, source };
  p.add(at, compiled.error);
  return { kind: 'present', present: true };
}
