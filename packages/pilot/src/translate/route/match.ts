import type { HttpMatchRequest, StringMatch } from '../../model/networking-specs.js';
import type { Proxy } from '../../model/proxy.js';
import { labelsMatch } from '../../model/service.js';
import type { XdsResource } from '../resources.js';

/**
 * Istio 1.4 translates regexes to Envoy's RE2 engine (`safe_regex`); the sidecar NACKs a regex
 * it cannot compile. https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto
 */
export function regexMatcher(regex: string): XdsResource {
  return { google_re2: {}, regex };
}

/** Envoy's StringMatcher for an Istio StringMatch; undefined for an empty one. */
export function stringMatcher(m: StringMatch): XdsResource | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: regexMatcher(m.regex) };
  return undefined;
}

/**
 * A HeaderMatcher as Istio 1.4 writes it (`translateHeaderMatch`): `exact_match`, `prefix_match`,
 * or `safe_regex_match`; an empty StringMatch only asks that the header be present.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-headermatcher
 */
export function headerMatcher(name: string, m: StringMatch, invert = false): XdsResource {
  const out: XdsResource = { name };
  if (m.exact !== undefined) out['exact_match'] = m.exact;
  else if (m.prefix !== undefined) out['prefix_match'] = m.prefix;
  else if (m.regex !== undefined) out['safe_regex_match'] = regexMatcher(m.regex);
  else out['present_match'] = true;
  if (invert) out['invert_match'] = true;
  return out;
}

/** HTTP/2 pseudo-headers Istio matches `method`, `authority` and `scheme` against. */
export const HEADER_METHOD = ':method';
export const HEADER_AUTHORITY = ':authority';
export const HEADER_SCHEME = ':scheme';

/**
 * Envoy's RouteMatch for one Istio HTTPMatchRequest (Istio 1.4's `translateRouteMatch`): the uri as
 * `path` (exact), `prefix` or `safe_regex` (no uri: prefix `/`); request headers sorted by name, then
 * `:method`, `:authority`, `:scheme`; `withoutHeaders` as inverted matchers; query parameters
 * sorted by name; `case_sensitive: false` for ignoreUriCase.
 */
export function routeMatch(m: HttpMatchRequest | undefined): XdsResource {
  const match: XdsResource = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) match['path'] = uri.exact;
  else if (uri?.prefix !== undefined) match['prefix'] = uri.prefix;
  else if (uri?.regex !== undefined) match['safe_regex'] = regexMatcher(uri.regex);
  else match['prefix'] = '/';
  if (m?.ignoreUriCase) match['case_sensitive'] = { value: false };
  const headers: XdsResource[] = sortedEntries(m?.headers).map(([name, sm]) => headerMatcher(name, sm));
  headers.push(...sortedEntries(m?.withoutHeaders).map(([name, sm]) => headerMatcher(name, sm, true)));
  if (m?.method) headers.push(headerMatcher(HEADER_METHOD, m.method));
  if (m?.authority) headers.push(headerMatcher(HEADER_AUTHORITY, m.authority));
  if (m?.scheme) headers.push(headerMatcher(HEADER_SCHEME, m.scheme));
  if (headers.length > 0) match['headers'] = headers;
  const query = sortedEntries(m?.queryParams).map(([name, sm]) => {
    const string_match = stringMatcher(sm);
    return string_match ? { name, string_match } : { name, present_match: true };
  });
  if (query.length > 0) match['query_parameters'] = query;
  return match;
}

function sortedEntries<V>(rec: Record<string, V> | undefined): [string, V][] {
  return Object.entries(rec ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether a match condition applies to this proxy and listener port (Istio's `sourceMatchHTTP` plus
 * the port check): a match naming gateways applies when one of them is the proxy's; otherwise its
 * `sourceLabels` must be a subset of the proxy's labels and `sourceNamespace` its namespace.
 */
export function matchApplies(m: HttpMatchRequest | undefined, port: number, proxy: Pick<Proxy, 'labels' | 'namespace'>, gateways: ReadonlySet<string>, qualify: (g: string) => string): boolean {
  if (!m) return true;
  if (m.port !== undefined && m.port !== 0 && m.port !== port) return false;
  if (m.sourceNamespace && m.sourceNamespace !== proxy.namespace) return false;
  if (m.gateways && m.gateways.length > 0) return m.gateways.some((g) => gateways.has(qualify(g)));
  return labelsMatch(m.sourceLabels, proxy.labels);
}

/** A route that matches every request (prefix `/` or regex `*`, no header or query matchers): later routes are unreachable. */
export function isCatchAll(route: XdsResource): boolean {
  const m = route['match'] as XdsResource | undefined;
  if (!m) return false;
  const catchAllPath = m['prefix'] === '/' || (m['safe_regex'] as { regex?: string } | undefined)?.regex === '*';
  return catchAllPath && !m['headers'] && !m['query_parameters'];
}
