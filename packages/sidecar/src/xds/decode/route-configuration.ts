import type { ValidationResult } from '@mesh/shared-api';
import type {
  HeaderMatchModel,
  PathMatchModel,
  RouteActionModel,
  RouteConfigurationModel,
  RouteMatchModel,
  RouteModel,
  StringMatchModel,
  VirtualHostModel,
  WeightedClusterModel,
} from '../../routing/model.js';
import { compileRe2 } from '../../routing/re2.js';
import { arr, boolValue, durationMs, isSet, obj, Problems, str, uint32Value } from './fields.js';

/**
 * Decodes an `envoy.config.route.v3.RouteConfiguration`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto). Anything the
 * proxy cannot carry out exactly as Envoy would is a violation, so the response gets NACKed.
 */
export function decodeRouteConfiguration(raw: Record<string, unknown>): ValidationResult<RouteConfigurationModel> {
  const p = new Problems();
  const model = routeConfiguration(raw, '', p);
  return p.ok ? { ok: true, value: model, warnings: p.warnings } : { ok: false, errors: p.list };
}

/** Decodes a RouteConfiguration found at `at` (also used for an HCM's inline `route_config`). */
export function routeConfiguration(raw: Record<string, unknown>, at: string, p: Problems): RouteConfigurationModel {
  const name = str(raw['name']);
  if (!name) p.add(`${at}name`, 'a route configuration needs a name');
  const seen = new Map<string, string>();
  const virtualHosts: VirtualHostModel[] = [];
  for (const [i, vhRaw] of arr(raw['virtual_hosts']).entries()) {
    const vh = virtualHost(obj(vhRaw), `${at}virtual_hosts[${i}].`, p);
    // Envoy rejects a domain listed by two virtual hosts; the sidecar keeps the first and warns,
    // because a mesh-wide push can legitimately repeat short names of same-named services.
    const domains = vh.domains.filter((d) => {
      const owner = seen.get(d);
      if (owner === undefined) {
        seen.set(d, vh.name);
        return true;
      }
      p.warn(`route configuration ${name}: domain ${d} of virtual host ${vh.name} is already served by ${owner}`);
      return false;
    });
    virtualHosts.push({ ...vh, domains });
  }
  return { name, virtualHosts };
}

function virtualHost(raw: Record<string, unknown>, at: string, p: Problems): VirtualHostModel {
  const name = str(raw['name']);
  if (!name) p.add(`${at}name`, 'a virtual host needs a name');
  const domains = arr(raw['domains']).map((d) => str(d).toLowerCase());
  if (domains.length === 0) p.add(`${at}domains`, 'a virtual host needs at least one domain');
  for (const [i, d] of domains.entries()) {
    if (!d) p.add(`${at}domains[${i}]`, 'a domain must not be empty');
    else if (d !== '*' && d.indexOf('*') !== d.lastIndexOf('*')) p.add(`${at}domains[${i}]`, `domain ${d} may hold only one wildcard`);
    else if (d.length > 1 && d.includes('*') && !d.startsWith('*') && !d.endsWith('*')) p.add(`${at}domains[${i}]`, `domain ${d}: a wildcard must come first or last`);
  }
  const routes = arr(raw['routes']).map((r, i) => route(obj(r), `${at}routes[${i}].`, p));
  return { name, domains, routes };
}

const OTHER_ACTIONS = ['redirect', 'direct_response', 'filter_action', 'non_forwarding_action'];

function route(raw: Record<string, unknown>, at: string, p: Problems): RouteModel {
  const match = routeMatch(obj(raw['match']), `${at}match.`, p);
  const others = OTHER_ACTIONS.filter((o) => isSet(raw[o]));
  for (const other of others) p.add(`${at}${other}`, `route action ${other} is not supported by the sidecar`);
  let action: RouteActionModel = { clusters: [], totalWeight: 0 };
  if (isSet(raw['route'])) action = routeAction(obj(raw['route']), `${at}route.`, p);
  else if (others.length === 0) p.add(`${at}route`, 'a route needs an action');
  return { name: str(raw['name']), match, action };
}

function routeMatch(raw: Record<string, unknown>, at: string, p: Problems): RouteMatchModel {
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
  if (arr(raw['query_parameters']).length > 0) p.add(`${at}query_parameters`, 'query parameter matching is not supported by the sidecar yet');
  for (const k of ['runtime_fraction', 'grpc', 'tls_context', 'dynamic_metadata']) {
    if (isSet(raw[k]) && (!Array.isArray(raw[k]) || arr(raw[k]).length > 0)) p.add(`${at}${k}`, `route match on ${k} is not supported by the sidecar`);
  }
  const headers = arr(raw['headers']).map((h, i) => headerMatch(obj(h), `${at}headers[${i}].`, p));
  return { path, caseSensitive: boolValue(raw['case_sensitive']) ?? true, headers };
}

function headerMatch(raw: Record<string, unknown>, at: string, p: Problems): HeaderMatchModel {
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

function stringMatch(raw: Record<string, unknown>, at: string, p: Problems): StringMatchModel {
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

function routeAction(raw: Record<string, unknown>, at: string, p: Problems): RouteActionModel {
  const timeoutMs = durationMs(raw['timeout']);
  let clusters: WeightedClusterModel[] = [];
  if (typeof raw['cluster'] === 'string') {
    if (!raw['cluster']) p.add(`${at}cluster`, 'the cluster name is empty');
    clusters = [{ name: raw['cluster'], weight: 1 }];
  } else if (isSet(raw['weighted_clusters'])) {
    const wc = obj(raw['weighted_clusters']);
    clusters = arr(wc['clusters']).map((c, i) => {
      const name = str(obj(c)['name']);
      if (!name) p.add(`${at}weighted_clusters.clusters[${i}].name`, 'a weighted cluster needs a name');
      return { name, weight: uint32Value(obj(c)['weight']) ?? 0 };
    });
    const total = clusters.reduce((sum, c) => sum + c.weight, 0);
    if (clusters.length === 0) p.add(`${at}weighted_clusters.clusters`, 'weighted_clusters needs at least one cluster');
    else if (total <= 0) p.add(`${at}weighted_clusters`, 'the weights of weighted_clusters add up to 0');
    const declared = uint32Value(wc['total_weight']);
    if (declared !== undefined && declared !== 0 && declared !== total) p.add(`${at}weighted_clusters.total_weight`, `total_weight ${declared} differs from the sum of the weights ${total}`);
  } else if (typeof raw['cluster_header'] === 'string' || isSet(raw['cluster_specifier_plugin'])) {
    p.add(`${at}cluster_header`, 'choosing the cluster by header or plugin is not supported by the sidecar');
  } else {
    p.add(`${at}cluster`, 'a route action needs cluster or weighted_clusters');
  }
  const totalWeight = clusters.reduce((sum, c) => sum + c.weight, 0);
  return timeoutMs === undefined ? { clusters, totalWeight } : { clusters, totalWeight, timeoutMs };
}
