import type { HeaderMatchModel, QueryParameterMatchModel, RouteMatchModel, StringMatchModel } from './route-model.js';

/**
 * Route matching as Envoy does it (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routematch):
 * `prefix` is compared with the whole `:path`; `path` and `safe_regex` with the path once the query
 * string is removed; every header matcher must hold as well.
 */

/** What route matching looks at: method, path (with query), authority and lowercase headers. */
export interface RequestFacts {
  readonly method: string;
  /** The request path in origin form, query included (`/a/b?x=1`). */
  readonly path: string;
  /** The authority (Host header or the absolute-form URL's host), as sent. */
  readonly authority: string;
  /** Header values by lowercase name; repeated headers joined with `,` as Envoy does. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** True when the value satisfies the matcher; an absent value matches only `present: false`. */
export function matchString(m: StringMatchModel, value: string | undefined): boolean {
  if (m.kind === 'present') return (value !== undefined) === m.present;
  if (value === undefined) return false;
  if (m.kind === 'regex') return m.regex.test(value);
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
  switch (m.kind) {
    case 'exact':
      return v === want;
    case 'prefix':
      return v.startsWith(want);
    case 'suffix':
      return v.endsWith(want);
    case 'contains':
      return v.includes(want);
  }
}

/** A header's value, with the HTTP/2 pseudo-headers Envoy exposes mapped onto HTTP/1.1 facts. */
export function headerValue(req: RequestFacts, name: string): string | undefined {
  switch (name) {
    case ':authority':
    case 'host':
      return req.authority;
    case ':method':
      return req.method;
    case ':path':
      return req.path;
    default:
      return req.headers[name];
  }
}

/** Envoy `HeaderMatcher`: the match, inverted when `invert_match` is set. */
export function matchHeader(m: HeaderMatchModel, req: RequestFacts): boolean {
  const value = headerValue(req, m.name);
  // An inverted matcher still needs the header, except for a presence check (Envoy semantics).
  if (m.invert && value === undefined && m.match.kind !== 'present') return false;
  return matchString(m.match, value) !== m.invert;
}

/** The path without its query string (and fragment, which clients should not send anyway). */
export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** The first value of a query parameter, percent-decoded; undefined when absent. */
export function queryParameter(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const end = path.indexOf('#', q);
  for (const pair of path.slice(q + 1, end < 0 ? undefined : end).split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) !== name) continue;
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

/** Envoy `QueryParameterMatcher`: the parameter is present and its value satisfies the matcher. */
export function matchQueryParameter(m: QueryParameterMatchModel, path: string): boolean {
  const value = queryParameter(path, m.name);
  return value !== undefined && matchString(m.match, value);
}

/**
 * True when the route's match holds for the request. `random` decides `runtime_fraction`
 * matches; without it such a route matches only at 100 %.
 */
export function matchRoute(m: RouteMatchModel, req: RequestFacts, random?: () => number): boolean {
  const p = m.path;
  switch (p.kind) {
    case 'prefix': {
      const ok = m.caseSensitive ? req.path.startsWith(p.value) : req.path.toLowerCase().startsWith(p.value.toLowerCase());
      if (!ok) return false;
      break;
    }
    case 'path': {
      const bare = pathWithoutQuery(req.path);
      const ok = m.caseSensitive ? bare === p.value : bare.toLowerCase() === p.value.toLowerCase();
      if (!ok) return false;
      break;
    }
    case 'regex':
      // Envoy ignores case_sensitive for safe_regex: the pattern says it, e.g. with (?i).
      if (!p.regex.test(pathWithoutQuery(req.path))) return false;
      break;
  }
  if (!m.headers.every((h) => matchHeader(h, req))) return false;
  if (m.queryParameters && !m.queryParameters.every((q) => matchQueryParameter(q, req.path))) return false;
  if (m.grpc && !(req.headers['content-type'] ?? '').startsWith('application/grpc')) return false;
  if (m.fraction !== undefined && m.fraction < 1) return random !== undefined && random() < m.fraction;
  return true;
}
