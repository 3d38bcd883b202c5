import { TypeUrls, unpackAny } from '@mesh/shared-api';
import type { ValidationResult } from '@mesh/shared-api';
import type { FilterChainModel, HttpConnectionManagerModel, ListenerModel } from '../../routing/model.js';
import { arr, isSet, obj, Problems, str, uint32Value } from './fields.js';
import { routeConfiguration } from './route-configuration.js';

/**
 * Decodes an `envoy.config.listener.v3.Listener`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto).
 * Filter chains with an HTTP connection manager are kept; chains with other network filters (TCP
 * proxying arrives later) are kept without one, so they route nothing. An `api_listener` (meant for
 * proxyless gRPC clients) has no socket and is kept with no chains.
 */
export function decodeListener(raw: Record<string, unknown>): ValidationResult<ListenerModel> {
  const p = new Problems();
  const name = str(raw['name']);
  if (!name) p.add('name', 'a listener needs a name');
  if (isSet(raw['api_listener'])) {
    return p.ok ? { ok: true, value: { name, address: '', port: 0, filterChains: [] }, warnings: [] } : { ok: false, errors: p.list };
  }
  const sock = obj(obj(raw['address'])['socket_address']);
  const address = str(sock['address']);
  const port = uint32Value(sock['port_value']) ?? 0;
  if (!address) p.add('address.socket_address.address', 'a listener needs an address');
  if (port < 1 || port > 65535) p.add('address.socket_address.port_value', `a listener needs a port (1-65535), got ${port}`);
  const filterChains = arr(raw['filter_chains']).map((c, i) => filterChain(obj(c), `filter_chains[${i}].`, p));
  // The default chain takes what no other chain matched, so it goes last.
  if (isSet(raw['default_filter_chain'])) filterChains.push({ ...filterChain(obj(raw['default_filter_chain']), 'default_filter_chain.', p), destinationPort: undefined });
  return p.ok ? { ok: true, value: { name, address, port, filterChains }, warnings: p.warnings } : { ok: false, errors: p.list };
}

/** Network filter names Envoy gives the HTTP connection manager (current and pre-1.14). */
const HCM_NAMES = new Set(['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']);

function filterChain(raw: Record<string, unknown>, at: string, p: Problems): FilterChainModel {
  const destinationPort = uint32Value(obj(raw['filter_chain_match'])['destination_port']);
  let http: HttpConnectionManagerModel | undefined;
  for (const [i, fRaw] of arr(raw['filters']).entries()) {
    const f = obj(fRaw);
    const typed = obj(f['typed_config']);
    const typeUrl = str(typed['type_url']);
    if (typeUrl !== TypeUrls.HttpConnectionManager) {
      if (HCM_NAMES.has(str(f['name']))) p.add(`${at}filters[${i}].typed_config`, `the HTTP connection manager needs typed_config of type ${TypeUrls.HttpConnectionManager}, got ${typeUrl || 'none'}`);
      continue;
    }
    let hcmRaw: Record<string, unknown>;
    try {
      hcmRaw = unpackAny({ type_url: typeUrl, value: Buffer.from(typed['value'] as Uint8Array) });
    } catch (err) {
      p.add(`${at}filters[${i}].typed_config`, `cannot decode HttpConnectionManager: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    http = httpConnectionManager(hcmRaw, `${at}filters[${i}].typed_config.`, p);
  }
  return destinationPort === undefined ? { http } : { destinationPort, http };
}

function httpConnectionManager(raw: Record<string, unknown>, at: string, p: Problems): HttpConnectionManagerModel {
  const statPrefix = str(raw['stat_prefix']);
  if (isSet(raw['rds'])) {
    const name = str(obj(raw['rds'])['route_config_name']);
    if (!name) p.add(`${at}rds.route_config_name`, 'rds needs route_config_name');
    return { statPrefix, routes: { kind: 'rds', name } };
  }
  if (isSet(raw['route_config'])) {
    return { statPrefix, routes: { kind: 'inline', config: routeConfiguration(obj(raw['route_config']), `${at}route_config.`, p) } };
  }
  p.add(`${at}route_specifier`, isSet(raw['scoped_routes']) ? 'scoped_routes is not supported by the sidecar' : 'the HTTP connection manager needs rds or route_config');
  return { statPrefix, routes: { kind: 'rds', name: '' } };
}
