import { pathWithoutQuery } from './match.js';
import type { RedirectModel, RouteMatchModel } from './route-model.js';

/**
 * Path rewriting and redirect locations as Envoy's router computes them
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction).
 */

/**
 * The path after `prefix_rewrite` or `regex_rewrite`. A prefix rewrite replaces what the route
 * matched: the prefix of a prefix route, the whole path (query kept) of a path or regex route. A
 * regex rewrite replaces every match in the path without its query.
 */
export function rewritePath(path: string, match: RouteMatchModel, rewrite: { prefixRewrite?: string; regexRewrite?: { regex: RegExp; substitution: string } }): string {
  const bare = pathWithoutQuery(path);
  const query = path.slice(bare.length);
  if (rewrite.prefixRewrite !== undefined) {
    if (match.path.kind === 'prefix') return rewrite.prefixRewrite + path.slice(match.path.value.length);
    return rewrite.prefixRewrite + query;
  }
  if (rewrite.regexRewrite) {
    rewrite.regexRewrite.regex.lastIndex = 0;
    return bare.replace(rewrite.regexRewrite.regex, rewrite.regexRewrite.substitution) + query;
  }
  return path;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/**
 * The `Location` of a redirect: scheme, host (port replaced by `port_redirect`, or dropped when the
 * scheme changes and it was the old scheme's default) and path (`path_redirect` keeps the request's
 * query unless it brings its own or `strip_query` is set).
 */
export function redirectLocation(r: RedirectModel, match: RouteMatchModel, req: { scheme: string; authority: string; path: string }): string {
  const scheme = r.scheme ?? req.scheme;
  let host = r.host ?? req.authority;
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  const bareHost = portMatch ? portMatch[1]! : host;
  const port = portMatch?.[2];
  if (r.port !== undefined) host = `${bareHost}:${r.port}`;
  else if (scheme !== req.scheme && port !== undefined && port === DEFAULT_PORTS[req.scheme]) host = bareHost;
  const bare = pathWithoutQuery(req.path);
  let query = req.path.slice(bare.length);
  let path: string;
  if (r.path !== undefined) {
    path = r.path;
    if (path.includes('?')) query = '';
  } else path = rewritePath(bare, match, { ...(r.prefixRewrite !== undefined ? { prefixRewrite: r.prefixRewrite } : {}), ...(r.regexRewrite ? { regexRewrite: r.regexRewrite } : {}) });
  if (r.stripQuery) query = '';
  return `${scheme}://${host}${path}${query}`;
}
