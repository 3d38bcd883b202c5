import type { ValidationResult } from '@mesh/shared-api';
import type { RouteActionUnion, RouteConfigurationModel, RouteModel, VirtualHostModel } from '../../routing/route-model.js';
import { arr, isSet, obj, Problems, str } from './fields.js';
import { corsPolicy, filterConfigs } from './filter-configs.js';
import { headerOps } from './header-ops.js';
import { directResponse, redirectAction, routeAction } from './route-action.js';
import { routeMatch } from './route-match.js';
import { retryPolicy } from './retry-policy.js';

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
  if (arr(raw['vhds']).length > 0 || isSet(raw['vhds'])) p.add(`${at}vhds`, 'VHDS is not supported by the sidecar');
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
  const ops = headerOps(raw, at, p);
  return {
    name,
    virtualHosts,
    ...(ops ? { headerOps: ops } : {}),
    ...(raw['most_specific_header_mutations_wins'] === true ? { mostSpecificHeaderMutationsWins: true } : {}),
  };
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
  const tls = str(raw['require_tls']);
  if (isSet(raw['hedge_policy'])) p.add(`${at}hedge_policy`, 'request hedging is not supported by the sidecar');
  const routes = arr(raw['routes']).map((r, i) => route(obj(r), `${at}routes[${i}].`, p));
  const ops = headerOps(raw, at, p);
  const configs = filterConfigs(raw['typed_per_filter_config'], at, p);
  return {
    name,
    domains,
    routes,
    ...(ops ? { headerOps: ops } : {}),
    ...(configs ? { filterConfigs: configs } : {}),
    ...(isSet(raw['cors']) ? { cors: corsPolicy(obj(raw['cors']), `${at}cors.`, p) } : {}),
    ...(isSet(raw['retry_policy']) ? { retry: retryPolicy(obj(raw['retry_policy']), `${at}retry_policy.`, p) } : {}),
    ...(raw['include_request_attempt_count'] === true ? { includeAttemptCount: true } : {}),
    ...(raw['include_attempt_count_in_response'] === true ? { includeAttemptCountInResponse: true } : {}),
    ...(tls === 'ALL' || tls === 'EXTERNAL_ONLY' ? { requireTls: tls } : {}),
  };
}

function route(raw: Record<string, unknown>, at: string, p: Problems): RouteModel {
  const match = routeMatch(obj(raw['match']), `${at}match.`, p);
  for (const k of ['filter_action', 'non_forwarding_action']) if (isSet(raw[k])) p.add(`${at}${k}`, `route action ${k} is not supported by the sidecar`);
  let action: RouteActionUnion = { kind: 'route', clusters: [], totalWeight: 0 };
  let cors: RouteModel['cors'];
  if (isSet(raw['route'])) {
    const r = obj(raw['route']);
    action = routeAction(r, `${at}route.`, p);
    if (isSet(r['cors'])) cors = corsPolicy(obj(r['cors']), `${at}route.cors.`, p);
  } else if (isSet(raw['redirect'])) action = redirectAction(obj(raw['redirect']), `${at}redirect.`, p);
  else if (isSet(raw['direct_response'])) action = directResponse(obj(raw['direct_response']), `${at}direct_response.`, p);
  else if (!isSet(raw['filter_action']) && !isSet(raw['non_forwarding_action'])) p.add(`${at}route`, 'a route needs an action');
  const ops = headerOps(raw, at, p);
  const configs = filterConfigs(raw['typed_per_filter_config'], at, p);
  return {
    name: str(raw['name']),
    match,
    action,
    ...(ops ? { headerOps: ops } : {}),
    ...(configs ? { filterConfigs: configs } : {}),
    ...(cors ? { cors } : {}),
  };
}
