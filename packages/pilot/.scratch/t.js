const { packAny, unpackAny, TypeUrls, xdsRoot } = require('@mesh/shared-api');
const l = { name: '0.0.0.0_80', address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
  filter_chains: [{ filter_chain_match: { destination_port: { value: 9080 } }, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': TypeUrls.HttpConnectionManager, stat_prefix: 'x', rds: { route_config_name: '80', config_source: { ads: {}, resource_api_version: 'V3' } }, http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TypeUrls.Router } }] } }] }] };
const a = packAny(TypeUrls.Listener, l);
const d = unpackAny(a);
console.log(JSON.stringify(d, null, 1).slice(0, 2000));
const tc = d.filter_chains[0].filters[0].typed_config;
console.log(JSON.stringify(unpackAny(tc)));
const r = packAny(TypeUrls.RouteConfiguration, { name: '80', virtual_hosts: [{ name: 'a', domains: ['a'], routes: [{ match: { prefix: '/', case_sensitive: { value: false } }, route: { weighted_clusters: { clusters: [{ name: 'c', weight: { value: 90 } }] }, timeout: { seconds: 1, nanos: 500000000 } } }] }] });
console.log(JSON.stringify(unpackAny(r)));
