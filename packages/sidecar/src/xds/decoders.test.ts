import { packAny, TypeUrls } from '@mesh/shared-api';
import { edsCluster, inboundCluster, inboundListener, loadAssignment, outboundListener, routeConfiguration, weightedRoute } from '../testing/xds-fixtures.js';
import { decodeResources, nackMessage } from './decoders.js';

const FQDN = 'shipping.default.svc.cluster.local';
const C = `outbound|80||${FQDN}`;

function routeWith(route: Record<string, unknown>, name = '80') {
  return packAny(TypeUrls.RouteConfiguration, { name, virtual_hosts: [{ name: 'vh', domains: ['shipping'], routes: [route] }] });
}

function errorsOf(result: ReturnType<typeof decodeResources>): string {
  if (result.ok) throw new Error('expected a rejection');
  return nackMessage(result.errors);
}

describe('decodeResources', () => {
  it('decodes the clusters Pilot sends', () => {
    const r = decodeResources('Cluster', [edsCluster(C), inboundCluster(`inbound|80||${FQDN}`, 8080)]);
    expect(r.ok && r.value.map((c) => c.model)).toEqual([
      { name: C, type: 'EDS', edsServiceName: C, connectTimeoutMs: 10000, lbPolicy: 'ROUND_ROBIN', panicThresholdPercent: 50, http: { protocol: 'http1', idleTimeoutMs: 3_600_000 } },
      {
        name: `inbound|80||${FQDN}`,
        type: 'STATIC',
        connectTimeoutMs: 10000,
        loadAssignment: { clusterName: `inbound|80||${FQDN}`, endpoints: [{ address: '127.0.0.1', port: 8080 }] },
        lbPolicy: 'ROUND_ROBIN',
        panicThresholdPercent: 50,
        http: { protocol: 'http1', idleTimeoutMs: 3_600_000 },
      },
    ]);
  });

  it('decodes load assignments, including an empty one', () => {
    const r = decodeResources('ClusterLoadAssignment', [loadAssignment(C, [['10.0.0.1', 15006]]), loadAssignment('empty', [])]);
    expect(r.ok && r.value.map((c) => c.model)).toEqual([
      { clusterName: C, endpoints: [{ address: '10.0.0.1', port: 15006 }] },
      { clusterName: 'empty', endpoints: [] },
    ]);
  });

  it('decodes outbound listeners (RDS) and virtualInbound (inline routes per destination port)', () => {
    const r = decodeResources('Listener', [outboundListener(80), inboundListener([{ endpointPort: 15006, servicePort: 80, fqdn: FQDN }])]);
    if (!r.ok) throw new Error(nackMessage(r.errors));
    expect(r.value[0]!.model).toEqual({
      name: '0.0.0.0_80',
      address: '0.0.0.0',
      port: 80,
      filterChains: [{ http: { statPrefix: 'outbound', routes: { kind: 'rds', name: '80' }, httpFilters: [{ kind: 'router', name: 'envoy.filters.http.router' }] } }],
    });
    const inbound = r.value[1]!.model;
    expect(inbound.filterChains[0]).toMatchObject({ destinationPort: 15006, http: { routes: { kind: 'inline', config: { name: `inbound|80||${FQDN}` } } } });
    expect(r.value[1]!.dump).toMatchObject({ filter_chains: [{ filters: [{ typed_config: { '@type': TypeUrls.HttpConnectionManager } }] }] });
  });

  it('decodes route matches, weights and timeouts', () => {
    const r = decodeResources('RouteConfiguration', [
      routeWith({
        match: { safe_regex: { regex: '/v[0-9]+/.*' }, headers: [{ name: 'End-User', string_match: { exact: 'jason', ignore_case: true } }], case_sensitive: { value: false } },
        route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 90 } }, { name: 'b', weight: { value: 10 } }] }, timeout: { seconds: 1, nanos: 500000000 } },
      }),
    ]);
    if (!r.ok) throw new Error(nackMessage(r.errors));
    const route = r.value[0]!.model.virtualHosts[0]!.routes[0]!;
    expect(route.match.path.kind).toBe('regex');
    expect(route.match.caseSensitive).toBe(false);
    expect(route.match.headers).toEqual([{ name: 'end-user', match: { kind: 'exact', value: 'jason', ignoreCase: true }, invert: false }]);
    expect(route.action).toEqual({ kind: 'route', clusters: [{ name: 'a', weight: 90 }, { name: 'b', weight: 10 }], totalWeight: 100, timeoutMs: 1500 });
  });

  it('keeps the first virtual host for a repeated domain and warns', () => {
    const r = decodeResources('RouteConfiguration', [routeConfiguration(80, [{ name: 'shipping', namespace: 'default' }, { name: 'shipping', namespace: 'default' }])]);
    expect(r.ok && r.warnings[0]).toMatch(/already served by/);
  });

  it.each([
    ['an RE2 pattern JS cannot compile', { match: { safe_regex: { regex: '/(unclosed' } }, route: { cluster: 'a' } }, /RouteConfiguration 80 virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid regex/],
    ['a header regex with a lookahead', { match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: 'a(?=b)' } } }] }, route: { cluster: 'a' } }, /headers\[0\]\.string_match\.safe_regex\.regex: .*lookaround/],
    ['weights adding up to 0', weightedRoute('/', [['a', 0], ['b', 0]]), /weighted_clusters: the weights of weighted_clusters add up to 0/],
    ['a route with no action', { match: { prefix: '/' } }, /routes\[0\]\.route: a route needs an action/],
    ['an unsupported filter action', { match: { prefix: '/' }, filter_action: {} }, /filter_action is not supported/],
    ['a missing cluster name', { match: { prefix: '/' }, route: { cluster: '' } }, /the cluster name is empty/],
  ])('rejects %s, naming the resource and the reason', (_what, route, message) => {
    expect(errorsOf(decodeResources('RouteConfiguration', [routeWith(route)]))).toMatch(message);
  });

  it('rejects the whole response when one resource is bad', () => {
    const good = routeConfiguration(80, [{ name: 'a', namespace: 'default' }]);
    const bad = routeWith({ match: { safe_regex: { regex: '[' } }, route: { cluster: 'a' } }, '9080');
    expect(errorsOf(decodeResources('RouteConfiguration', [good, bad]))).toMatch(/^RouteConfiguration 9080 /);
  });

  it.each([
    ['Cluster', [edsCluster('a'), edsCluster('a')], /Cluster a: the response holds two resources with this name/],
    ['Cluster', [packAny(TypeUrls.Cluster, { name: 'x', cluster_type: { name: 'envoy.clusters.aggregate' } })], /Cluster x cluster_type: custom cluster types are not supported/],
    ['Cluster', [packAny(TypeUrls.Cluster, { type: 'EDS' })], /Cluster resources\[0\] name: a cluster needs a name/],
    ['Listener', [packAny(TypeUrls.Listener, { name: 'l', address: { socket_address: { address: '0.0.0.0' } } })], /Listener l address\.socket_address\.port_value/],
    ['ClusterLoadAssignment', [packAny(TypeUrls.ClusterLoadAssignment, { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '1.2.3.4' } } } }] }] })], /port_value: an endpoint needs a port/],
    ['Listener', [edsCluster('a')], /type_url .*Cluster in a Listener response/],
  ] as const)('rejects a bad %s response', (type, resources, message) => {
    expect(errorsOf(decodeResources(type, resources))).toMatch(message);
  });

  it('rejects an HTTP connection manager without routes', () => {
    const hcm = packAny(TypeUrls.HttpConnectionManager, { stat_prefix: 'x' });
    const l = packAny(TypeUrls.Listener, { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 80 } }, filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] });
    expect(errorsOf(decodeResources('Listener', [l]))).toMatch(/needs rds or route_config/);
  });
});
