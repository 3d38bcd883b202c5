import type { HttpSecurityModel } from '../security/http-security.js';
import type { HttpConnectionManagerModel } from './model.js';
import type { CorsPolicyModel, FaultModel, FilterConfigModel, HeaderMutationsModel, HeaderOpsModel, RetryPolicyModel, RouteConfigurationModel, RouteModel, VirtualHostModel } from './route-model.js';

/** An HTTP filter that runs before the router, with the configuration in force for one route. */
export type PlannedFilter = { readonly kind: 'fault'; readonly fault: FaultModel } | { readonly kind: 'cors'; readonly policy: CorsPolicyModel | undefined };

/** What the connection manager's filters and the router do for one route (computed once per route and table). */
export interface RoutePlan {
  /** Fault and CORS filters in chain order, each with its effective configuration. */
  readonly filters: readonly PlannedFilter[];
  /** The route's retry policy, else its virtual host's. */
  readonly retry?: RetryPolicyModel;
  /** Header mutation levels in the order they apply (the weighted cluster's level is added per request). */
  readonly requestMutations: readonly HeaderMutationsModel[];
  readonly responseMutations: readonly HeaderMutationsModel[];
  /** Route-level mutations last when `most_specific_header_mutations_wins`. */
  readonly mostSpecificWins: boolean;
  readonly includeAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  /** The connection manager's `use_remote_address` / `skip_xff_append`. */
  readonly useRemoteAddress: boolean;
  readonly skipXffAppend: boolean;
  /** Upgrade types allowed on this route: the route's `upgrade_configs` over the connection manager's. */
  readonly upgrades: ReadonlyMap<string, boolean>;
  /** The connection manager's access log paths. */
  readonly accessLogs: readonly string[];
  /** The connection manager's JWT, authentication and RBAC filters, when it has any. */
  readonly security?: HttpSecurityModel;
}

/**
 * Resolves the per-route configuration Envoy would use
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/fault_filter,
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter):
 * a filter's `typed_per_filter_config` entry on the route, else on the virtual host, else the
 * filter's own configuration; only filters present in the chain act. Header mutations apply
 * route → virtual host → route configuration, so the outer level has the last word, unless
 * `most_specific_header_mutations_wins` reverses it.
 */
export function planRoute(hcm: HttpConnectionManagerModel, rc: RouteConfigurationModel, vh: VirtualHostModel, route: RouteModel): RoutePlan {
  const filters: PlannedFilter[] = [];
  for (const f of hcm.httpFilters ?? []) {
    if (f.kind === 'router') break;
    const perRoute = lookup(route.filterConfigs, f.name) ?? lookup(vh.filterConfigs, f.name);
    if (perRoute?.kind === 'disabled') continue;
    if (f.kind === 'fault') {
      filters.push({ kind: 'fault', fault: perRoute?.kind === 'fault' ? perRoute.fault : f.fault });
    } else {
      const routeCors = lookup(route.filterConfigs, f.name);
      const vhCors = lookup(vh.filterConfigs, f.name);
      const policy = (routeCors?.kind === 'cors' ? routeCors.policy : undefined) ?? route.cors ?? (vhCors?.kind === 'cors' ? vhCors.policy : undefined) ?? vh.cors;
      filters.push({ kind: 'cors', policy });
    }
  }
  const levels: Array<HeaderOpsModel | undefined> = [route.headerOps, vh.headerOps, rc.headerOps];
  const mostSpecificWins = rc.mostSpecificHeaderMutationsWins === true;
  if (mostSpecificWins) levels.reverse();
  const present = levels.filter((l): l is HeaderOpsModel => l !== undefined);
  const retry = route.action.kind === 'route' ? (route.action.retry ?? vh.retry) : undefined;
  return {
    filters,
    ...(retry ? { retry } : {}),
    requestMutations: present.map((l) => l.request),
    responseMutations: present.map((l) => l.response),
    mostSpecificWins,
    includeAttemptCount: vh.includeAttemptCount === true,
    includeAttemptCountInResponse: vh.includeAttemptCountInResponse === true,
    useRemoteAddress: hcm.useRemoteAddress === true,
    skipXffAppend: hcm.skipXffAppend === true,
    accessLogs: hcm.accessLogs ?? [],
    ...(hcm.security ? { security: hcm.security } : {}),
    upgrades: new Map([...(hcm.upgrades ?? []), ...((route.action.kind === 'route' ? route.action.upgrades : undefined) ?? [])]),
  };
}

function lookup(configs: ReadonlyMap<string, FilterConfigModel> | undefined, name: string): FilterConfigModel | undefined {
  return configs?.get(name);
}
