import type { ValidationResult } from '@mesh/shared-api';
import type { ListenerModel } from '../../routing/model.js';
import { arr, boolValue, isSet, obj, Problems, str, uint32Value } from './fields.js';
import { filterChain } from './filter-chain.js';
import { ExtensionTypeUrls } from './typed-config.js';

/** Listener filters that need no work from the sidecar (it reads the original destination itself when a listener hands off). */
const HARMLESS_LISTENER_FILTERS = new Set(['envoy.filters.listener.original_dst', 'envoy.listener.original_dst', 'envoy.filters.listener.http_inspector', 'envoy.listener.http_inspector']);
const TLS_INSPECTOR = new Set(['envoy.filters.listener.tls_inspector', 'envoy.listener.tls_inspector', ExtensionTypeUrls.TlsInspector]);

/**
 * Decodes an `envoy.config.listener.v3.Listener`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto): address,
 * filter chains (see filter-chain.ts) and the default chain, and the TLS inspector listener
 * filter, and `use_original_dst` (the hand-off of redirected connections, see listener-manager.ts).
 * An `api_listener` (meant for proxyless gRPC clients) has no socket and is kept with no chains.
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
  let tlsInspector = false;
  for (const [i, lf] of arr(raw['listener_filters']).entries()) {
    const f = obj(lf);
    const id = str(obj(f['typed_config'])['type_url']) || str(f['name']);
    if (TLS_INSPECTOR.has(id) || TLS_INSPECTOR.has(str(f['name']))) tlsInspector = true;
    else if (!HARMLESS_LISTENER_FILTERS.has(str(f['name'])) && !id.includes('OriginalDst') && !id.includes('HttpInspector')) p.warn(`listener ${name}: listener_filters[${i}] ${id} is not run by the sidecar`);
  }
  const filterChains = arr(raw['filter_chains']).map((c, i) => filterChain(obj(c), `filter_chains[${i}].`, p));
  // The default chain takes what no other chain matched, so it goes last, without match criteria.
  if (isSet(raw['default_filter_chain'])) {
    const { destinationPort: _d, match: _m, ...rest } = filterChain(obj(raw['default_filter_chain']), 'default_filter_chain.', p);
    filterChains.push(rest);
  }
  const useOriginalDst = boolValue(raw['use_original_dst']) === true;
  const value: ListenerModel = { name, address, port, filterChains, ...(tlsInspector ? { tlsInspector } : {}), ...(useOriginalDst ? { useOriginalDst } : {}) };
  return p.ok ? { ok: true, value, warnings: p.warnings } : { ok: false, errors: p.list };
}
