import { TypeUrls } from '@mesh/shared-api';
import type { XdsResource } from '../resources.js';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const CORS_FILTER = 'envoy.filters.http.cors';
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
const CORS_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** An HTTP filter with its typed config. */
export function httpFilter(name: string, typedConfig: XdsResource): XdsResource {
  return { name, typed_config: typedConfig };
}

/**
 * The HTTP filters Istio 1.4 ends every HTTP connection manager with (after any security filters):
 * CORS, fault injection (configured per route), router.
 */
export function trailingHttpFilters(): XdsResource[] {
  return [httpFilter(CORS_FILTER, { '@type': CORS_TYPE }), httpFilter(FAULT_FILTER_NAME, { '@type': FAULT_TYPE }), httpFilter(ROUTER_FILTER, { '@type': TypeUrls.Router })];
}

/** Options of {@link httpConnectionManager}. */
export interface HcmOptions {
  statPrefix: string;
  /** `{ rds }` or `{ route_config }`. */
  routes: XdsResource;
  /** Security filters placed before the trailing ones (jwt_authn, istio_authn, rbac). */
  filters?: XdsResource[];
  /** Inbound: forward the client certificate details to the application, as Istio does. */
  inbound?: boolean;
  /** Gateways trust the connecting address as the client's (Istio sets `use_remote_address` on gateways). */
  useRemoteAddress?: boolean;
}

/**
 * The HTTP connection manager network filter as Istio 1.4's `buildHTTPConnectionManager` sets it
 * up: websocket upgrades allowed, no stream idle timeout, path normalisation, request ids; inbound
 * managers also forward the client certificate (XFCC).
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
 */
export function httpConnectionManager(o: HcmOptions): XdsResource {
  const config: XdsResource = {
    '@type': TypeUrls.HttpConnectionManager,
    stat_prefix: o.statPrefix,
    ...o.routes,
    http_filters: [...(o.filters ?? []), ...trailingHttpFilters()],
    use_remote_address: { value: o.useRemoteAddress ?? false },
    generate_request_id: { value: true },
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    stream_idle_timeout: { seconds: 0 },
    normalize_path: { value: true },
  };
  if (o.inbound) {
    config['forward_client_cert_details'] = 'APPEND_FORWARD';
    config['set_current_client_cert_details'] = { subject: { value: true }, dns: true, uri: true };
  }
  return { name: HCM_FILTER, typed_config: config };
}

/** The TCP proxy network filter to one cluster or weighted clusters. */
export function tcpProxy(statPrefix: string, route: { cluster: string } | { weighted: { name: string; weight: number }[] }): XdsResource {
  const config: XdsResource = { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix };
  if ('cluster' in route) config['cluster'] = route.cluster;
  else config['weighted_clusters'] = { clusters: route.weighted };
  return { name: TCP_PROXY_FILTER, typed_config: config };
}

/** The TLS inspector listener filter (reads SNI and ALPN for filter chain matching). */
export function tlsInspector(): XdsResource {
  return { name: TLS_INSPECTOR, typed_config: { '@type': TLS_INSPECTOR_TYPE } };
}
