import { TypeUrls, unpackAny } from '@mesh/shared-api';
import type { FilterChainMatchModel, FilterChainModel, HttpConnectionManagerModel, HttpFilterModel, RouteSource, TcpProxyModel } from '../../routing/model.js';
import type { WeightedClusterModel } from '../../routing/route-model.js';
import { downstreamTls } from './downstream-tls.js';
import { arr, boolValue, durationMs, isSet, obj, str, uint32Value } from './fields.js';
import type { Problems } from './fields.js';
import { httpFault } from './filter-configs.js';
import { httpSecurityFilters, isSecurityFilter } from './http-security-filters.js';
import { rbacFilter } from './rbac-filter.js';
import { parseCidr } from '../../security/authz/cidr.js';
import type { RbacFilterModel } from '../../security/authz/rbac-model.js';
import { routeConfiguration } from './route-configuration.js';
import { ExtensionTypeUrls, unpackTyped } from './typed-config.js';

/** Network filter names Envoy gives the HTTP connection manager and the TCP proxy (current and pre-1.14). */
const HCM_NAMES = new Set(['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']);
const TCP_NAMES = new Set(['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy']);
const NETWORK_RBAC = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/**
 * Decodes a `listener.v3.FilterChain`: its match, TLS termination and its terminal network
 * filter, the HTTP connection manager or the TCP proxy. Other network filters in front of them
 * (Istio's mixer, for one) are skipped with a warning.
 */
export function filterChain(raw: Record<string, unknown>, at: string, p: Problems): FilterChainModel {
  const m = obj(raw['filter_chain_match']);
  const destinationPort = uint32Value(m['destination_port']);
  if (arr(m['source_prefix_ranges']).length > 0 || arr(m['direct_source_prefix_ranges']).length > 0 || arr(m['source_ports']).length > 0) {
    p.add(`${at}filter_chain_match`, 'matching filter chains by source address or port is not supported by the sidecar');
  }
  const prefixRanges = arr(m['prefix_ranges']).flatMap((r, i) => {
    const c = parseCidr(str(obj(r)['address_prefix']), uint32Value(obj(r)['prefix_len']));
    if (!c) p.add(`${at}filter_chain_match.prefix_ranges[${i}].address_prefix`, `not an IP address: ${str(obj(r)['address_prefix'])}`);
    return c ? [c] : [];
  });
  const serverNames = arr(m['server_names']).map((n) => str(n).toLowerCase()).filter((n) => n !== '');
  const transportProtocol = str(m['transport_protocol']);
  const applicationProtocols = arr(m['application_protocols']).map(str).filter((a) => a !== '');
  const match: FilterChainMatchModel = {
    ...(destinationPort !== undefined ? { destinationPort } : {}),
    ...(prefixRanges.length > 0 ? { prefixRanges } : {}),
    ...(serverNames.length > 0 ? { serverNames } : {}),
    ...(transportProtocol ? { transportProtocol } : {}),
    ...(applicationProtocols.length > 0 ? { applicationProtocols } : {}),
  };
  const tls = downstreamTls(raw['transport_socket'], `${at}transport_socket.`, p);
  let http: HttpConnectionManagerModel | undefined;
  let tcp: TcpProxyModel | undefined;
  const networkRbac: RbacFilterModel[] = [];
  for (const [i, fRaw] of arr(raw['filters']).entries()) {
    const f = obj(fRaw);
    const fat = `${at}filters[${i}].`;
    const typed = obj(f['typed_config']);
    const typeUrl = str(typed['type_url']);
    if (typeUrl === TypeUrls.HttpConnectionManager) {
      let hcmRaw: Record<string, unknown>;
      try {
        hcmRaw = unpackAny({ type_url: typeUrl, value: Buffer.from(typed['value'] as Uint8Array) });
      } catch (err) {
        p.add(`${fat}typed_config`, `cannot decode HttpConnectionManager: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      http = httpConnectionManager(hcmRaw, `${fat}typed_config.`, p);
    } else if (typeUrl === ExtensionTypeUrls.TcpProxy) {
      const t = unpackTyped(typed);
      if (t.ok) tcp = tcpProxy(t.value, `${fat}typed_config.`, p);
      else p.add(`${fat}typed_config`, t.error);
    } else if (typeUrl === NETWORK_RBAC) {
      const t = unpackTyped(typed);
      if (t.ok) networkRbac.push(rbacFilter(str(f['name']), t.value, `${fat}typed_config.`, p));
      else p.add(`${fat}typed_config`, t.error);
    } else if (HCM_NAMES.has(str(f['name'])) || TCP_NAMES.has(str(f['name']))) {
      p.add(`${fat}typed_config`, `network filter ${str(f['name'])} needs its typed_config, got ${typeUrl || 'none'}`);
    } else {
      p.warn(`${fat.replace(/\.$/, '')}: network filter ${str(f['name']) || typeUrl} is not run by the sidecar`);
    }
  }
  if (http && networkRbac.length > 0) p.add(`${at}filters`, 'a network RBAC filter in front of an HTTP connection manager is not supported by the sidecar (use the HTTP RBAC filter)');
  const name = str(raw['name']);
  return {
    ...(destinationPort !== undefined ? { destinationPort } : {}),
    ...(Object.keys(match).length > 0 ? { match } : {}),
    ...(name ? { name } : {}),
    ...(tls ? { tls } : {}),
    ...(http ? { http } : {}),
    ...(tcp && !http ? { tcp: networkRbac.length > 0 ? { ...tcp, rbac: networkRbac } : tcp } : {}),
  };
}

/**
 * Envoy `TcpProxy` (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto):
 * `cluster` or `weighted_clusters`, `idle_timeout` (default 1 h), `max_connect_attempts`.
 */
function tcpProxy(raw: Record<string, unknown>, at: string, p: Problems): TcpProxyModel {
  let clusters: WeightedClusterModel[] = [];
  if (typeof raw['cluster'] === 'string' && raw['cluster']) clusters = [{ name: raw['cluster'], weight: 1 }];
  else if (isSet(raw['weighted_clusters'])) {
    clusters = arr(obj(raw['weighted_clusters'])['clusters']).map((c) => ({ name: str(obj(c)['name']), weight: Number(obj(c)['weight'] ?? 0) }));
  }
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  if (clusters.length === 0 || totalWeight <= 0) p.add(`${at}cluster`, 'a TCP proxy needs a cluster or weighted clusters with a positive total weight');
  if (isSet(raw['tunneling_config'])) p.add(`${at}tunneling_config`, 'TCP tunneling over HTTP is not supported by the sidecar');
  const idle = durationMs(raw['idle_timeout']);
  return { statPrefix: str(raw['stat_prefix']), clusters, totalWeight, idleTimeoutMs: idle ?? 3_600_000, maxConnectAttempts: uint32Value(raw['max_connect_attempts']) ?? 1 };
}

function httpConnectionManager(raw: Record<string, unknown>, at: string, p: Problems): HttpConnectionManagerModel {
  const statPrefix = str(raw['stat_prefix']);
  const httpFilters = arr(raw['http_filters']).flatMap((f, i) => httpFilter(obj(f), `${at}http_filters[${i}].`, p));
  const security = httpSecurityFilters(raw['http_filters'], at, p);
  let routes: RouteSource = { kind: 'rds', name: '' };
  if (isSet(raw['rds'])) {
    const name = str(obj(raw['rds'])['route_config_name']);
    if (!name) p.add(`${at}rds.route_config_name`, 'rds needs route_config_name');
    routes = { kind: 'rds', name };
  } else if (isSet(raw['route_config'])) {
    routes = { kind: 'inline', config: routeConfiguration(obj(raw['route_config']), `${at}route_config.`, p) };
  } else {
    p.add(`${at}route_specifier`, isSet(raw['scoped_routes']) ? 'scoped_routes is not supported by the sidecar' : 'the HTTP connection manager needs rds or route_config');
  }
  const upgrades = new Map<string, boolean>();
  for (const u of arr(raw['upgrade_configs'])) upgrades.set(str(obj(u)['upgrade_type']).toLowerCase(), boolValue(obj(u)['enabled']) ?? true);
  const accessLogs = arr(raw['access_log']).flatMap((a, i) => accessLogPath(obj(a), `${at}access_log[${i}]`, p));
  return {
    statPrefix,
    routes,
    httpFilters,
    ...(security ? { security } : {}),
    ...(accessLogs.length > 0 ? { accessLogs } : {}),
    ...(boolValue(raw['use_remote_address']) === true ? { useRemoteAddress: true } : {}),
    ...(raw['skip_xff_append'] === true ? { skipXffAppend: true } : {}),
    ...(upgrades.size > 0 ? { upgrades } : {}),
  };
}

/**
 * One entry of the HCM's `http_filters`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpfilter):
 * the fault, CORS and router filters are run; other filters (Istio's stats, metadata exchange,
 * mixer) are skipped with a warning, since the sidecar does their jobs itself or not at all.
 */
function httpFilter(raw: Record<string, unknown>, at: string, p: Problems): HttpFilterModel[] {
  const name = str(raw['name']);
  if (raw['disabled'] === true) return [];
  if (isSet(raw['config_discovery'])) {
    p.add(`${at}config_discovery`, 'filter configuration discovery (ECDS) is not supported by the sidecar');
    return [];
  }
  const typed = isSet(raw['typed_config']) ? unpackTyped(raw['typed_config']) : undefined;
  const typeUrl = typed?.typeUrl ?? '';
  if (typeUrl === ExtensionTypeUrls.HTTPFault || (!typed && FAULT_NAMES.has(name))) {
    const fault = typed?.ok ? httpFault(typed.value, `${at}typed_config.`, p) : { headers: [] };
    return [{ kind: 'fault', name, fault }];
  }
  if (typeUrl === ExtensionTypeUrls.Cors || (!typed && CORS_NAMES.has(name))) return [{ kind: 'cors', name }];
  if (typeUrl === ExtensionTypeUrls.Router || (!typed && ROUTER_NAMES.has(name))) return [{ kind: 'router', name }];
  if (isSecurityFilter(typeUrl, typed?.ok ? typed.value : undefined)) return []; // decoded by httpSecurityFilters
  p.warn(`${at}${name || '(unnamed)'}: HTTP filter ${typeUrl || name} is not run by the sidecar`);
  return [];
}

/**
 * An `access_log` entry (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/accesslog/v3/accesslog.proto):
 * a `FileAccessLog` gives the path; lines are always the sidecar's JSON format. Other loggers
 * (gRPC, OpenTelemetry) and access log filters are skipped with a warning.
 */
function accessLogPath(raw: Record<string, unknown>, at: string, p: Problems): string[] {
  const typed = unpackTyped(raw['typed_config']);
  if (!typed.ok || typed.typeUrl !== ExtensionTypeUrls.FileAccessLog) {
    p.warn(`${at}: access logger ${typed.typeUrl || str(raw['name'])} is not run by the sidecar`);
    return [];
  }
  if (isSet(raw['filter'])) p.warn(`${at}: access log filters are not applied by the sidecar (every request is logged)`);
  const path = str(typed.value['path']);
  if (!path) p.add(`${at}.typed_config.path`, 'a file access log needs a path');
  return path ? [path] : [];
}

/** Filter names Envoy recognised before typed configs were required (Istio 1.4 still sent them). */
const FAULT_NAMES = new Set(['envoy.filters.http.fault', 'envoy.fault']);
const CORS_NAMES = new Set(['envoy.filters.http.cors', 'envoy.cors']);
const ROUTER_NAMES = new Set(['envoy.filters.http.router', 'envoy.router']);
