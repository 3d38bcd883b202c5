import { validateResource } from '../../config/validate.js';

type Spec = Record<string, unknown>;

function check(kind: string, spec: Spec, version: string) {
  return validateResource({ apiVersion: `networking.istio.io/${version}`, kind, metadata: { name: 'x' }, spec });
}

const patch = (extra: Spec) => ({ configPatches: [{ applyTo: 'HTTP_FILTER', patch: { operation: 'INSERT_BEFORE', value: { name: 'f' } }, ...extra }] });
const hcm = 'envoy.filters.network.http_connection_manager';

describe('EnvoyFilter rules', () => {
  it.each<[string, Spec, string, string]>([
    ['1.4: a filter needs filterType', { filters: [{ filterName: 'envoy.fault', filterConfig: {} }] }, 'spec.filters[0].filterType', 'filterType is required'],
    ['1.4: a filter needs filterName', { filters: [{ filterType: 'HTTP', filterConfig: {} }] }, 'spec.filters[0].filterName', 'filterName is required'],
    ['1.4: a filter needs filterConfig', { filters: [{ filterType: 'HTTP', filterName: 'f' }] }, 'spec.filters[0].filterConfig', 'filterConfig is required'],
    ['1.4: BEFORE needs relativeTo', { filters: [{ filterType: 'NETWORK', filterName: 'f', filterConfig: {}, insertPosition: { index: 'BEFORE' } }] }, 'spec.filters[0].insertPosition.relativeTo', 'needs relativeTo'],
    ['applyTo is required', { configPatches: [{ patch: { operation: 'MERGE', value: {} } }] }, 'spec.configPatches[0].applyTo', 'applyTo is required'],
    ['patch is required', { configPatches: [{ applyTo: 'CLUSTER' }] }, 'spec.configPatches[0].patch', 'patch is required'],
    ['an operation is required', { configPatches: [{ applyTo: 'CLUSTER', patch: { value: {} } }] }, 'spec.configPatches[0].patch.operation', 'patch.operation is required'],
    ['a value for non-REMOVE', { configPatches: [{ applyTo: 'CLUSTER', patch: { operation: 'ADD' } }] }, 'spec.configPatches[0].patch.value', 'required for operation ADD'],
    ['a proxyVersion regex', patch({ match: { proxy: { proxyVersion: '^1\\.4(' } } }), 'spec.configPatches[0].match.proxy.proxyVersion', 'missing closing )'],
    ['a listener class with a cluster match', patch({ match: { cluster: { service: 'a' } } }), 'spec.configPatches[0].match', 'needs a listener match'],
    ['a cluster with a listener match', { configPatches: [{ applyTo: 'CLUSTER', match: { listener: {} }, patch: { operation: 'REMOVE' } }] }, 'spec.configPatches[0].match', 'needs a cluster match'],
    ['a route class with a listener match', { configPatches: [{ applyTo: 'HTTP_ROUTE', match: { listener: {} }, patch: { operation: 'REMOVE' } }] }, 'spec.configPatches[0].match', 'needs a routeConfiguration match'],
    ['a filter match needs a name', patch({ match: { listener: { filterChain: { filter: {} } } } }), 'spec.configPatches[0].match.listener.filterChain.filter.name', 'needs the name'],
    ['a subFilter needs the HCM', patch({ match: { listener: { filterChain: { filter: { name: 'envoy.tcp_proxy', subFilter: { name: 'r' } } } } } }), 'spec.configPatches[0].match.listener.filterChain.filter.name', 'needs filter name'],
    ['a subFilter only for HTTP_FILTER', { configPatches: [{ applyTo: 'NETWORK_FILTER', match: { listener: { filterChain: { filter: { name: hcm, subFilter: { name: 'r' } } } } }, patch: { operation: 'REMOVE' } }] }, 'spec.configPatches[0].match.listener.filterChain.filter.subFilter', 'only with applyTo HTTP_FILTER'],
    ['a waypoint match needs WAYPOINT', patch({ match: { context: 'SIDECAR_INBOUND', waypoint: {} } }), 'spec.configPatches[0].match', 'needs context WAYPOINT'],
    ['WAYPOINT with a listener match', patch({ match: { context: 'WAYPOINT', listener: {} } }), 'spec.configPatches[0].match', 'supports only a waypoint match'],
    ['two match objects', patch({ match: { listener: {}, cluster: {} } }), 'spec.configPatches[0].match', 'set only one of listener'],
    ['an unknown applyTo', { configPatches: [{ applyTo: 'ROUTE', patch: { operation: 'REMOVE' } }] }, 'spec.configPatches[0].applyTo', 'must be one of INVALID, LISTENER'],
  ])('rejects %s', (_name, spec, field, message) => {
    const r = check('EnvoyFilter', spec, 'v1alpha3');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('accepts configPatches with matches, and 1.4 filters with a warning', () => {
    expect(check('EnvoyFilter', patch({ match: { context: 'SIDECAR_OUTBOUND', proxy: { proxyVersion: '^1\\.2.*' }, listener: { portNumber: 9080, filterChain: { filter: { name: hcm, subFilter: { name: 'envoy.filters.http.router' } } } } } }), 'v1alpha3')).toMatchObject({ ok: true });
    const legacy = check('EnvoyFilter', { workloadLabels: { app: 'a' }, filters: [{ listenerMatch: { listenerType: 'SIDECAR_INBOUND' }, filterType: 'HTTP', filterName: 'envoy.lua', filterConfig: { inlineCode: '' } }] }, 'v1alpha3');
    expect(legacy).toMatchObject({ ok: true, warnings: ['spec.workloadLabels: deprecated: use workloadSelector.labels', 'spec.filters: deprecated: use configPatches'] });
  });

  it('is served only at v1alpha3', () => {
    expect(check('EnvoyFilter', {}, 'v1')).toMatchObject({ ok: false, errors: [{ field: 'kind', message: expect.stringContaining('use one of networking.istio.io/v1alpha3') }] });
  });
});

describe('WorkloadEntry, WorkloadGroup and ProxyConfig rules', () => {
  it.each<[string, string, Spec, string, string, string]>([
    ['an address is required', 'WorkloadEntry', {}, 'v1', 'spec.address', 'address is required'],
    ['an address that is neither IP nor name', 'WorkloadEntry', { address: 'a_b' }, 'v1', 'spec.address', 'is not an IP address, a DNS name'],
    ['a unix address with ports', 'WorkloadEntry', { address: 'unix:///s', ports: { http: 80 } }, 'v1beta1', 'spec.ports', 'must not have ports'],
    ['a port name', 'WorkloadEntry', { address: '1.1.1.1', ports: { HTTP: 80 } }, 'v1alpha3', 'spec.ports.HTTP', 'DNS-1123 label'],
    ['a port number', 'WorkloadEntry', { address: '1.1.1.1', ports: { http: 0 } }, 'v1', 'spec.ports.http', 'between 1 and 65535'],
    ['a service account', 'WorkloadEntry', { address: '1.1.1.1', serviceAccount: 'Bad_SA' }, 'v1', 'spec.serviceAccount', 'DNS-1123 subdomain'],
    ['a template is required', 'WorkloadGroup', { metadata: {} }, 'v1', 'spec.template', 'required field is missing'],
    ['two probe kinds', 'WorkloadGroup', { template: {}, probe: { httpGet: { port: 80 }, tcpSocket: { port: 80 } } }, 'v1', 'spec.probe', 'exactly one of httpGet, tcpSocket, exec or grpc'],
    ['a negative probe period', 'WorkloadGroup', { template: {}, probe: { periodSeconds: -1, exec: { command: ['true'] } } }, 'v1', 'spec.probe.periodSeconds', 'must be >= 0'],
    ['group labels', 'WorkloadGroup', { template: {}, metadata: { labels: { 'a/b/c': 'x' } } }, 'v1', 'spec.metadata.labels["a/b/c"]', 'invalid label key'],
    ['a negative concurrency', 'ProxyConfig', { concurrency: -1 }, 'v1beta1', 'spec.concurrency', 'must be a whole number >= 0'],
    ['an unknown image type', 'ProxyConfig', { image: { imageType: 'slim' } }, 'v1beta1', 'spec.image.imageType', 'must be default, debug or distroless'],
  ])('rejects %s', (_name, kind, spec, version, field, message) => {
    const r = check(kind, spec, version);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each<[string, string, Spec, string]>([
    ['an IP workload', 'WorkloadEntry', { address: '10.0.0.1', ports: { http: 8080 }, labels: { app: 'a' }, serviceAccount: 'sa', network: 'n1', locality: 'us/z1', weight: 5 }, 'v1'],
    ['a DNS workload', 'WorkloadEntry', { address: 'vm1.example.com' }, 'v1alpha3'],
    ['a network-only workload', 'WorkloadEntry', { network: 'remote' }, 'v1beta1'],
    ['a group with a probe', 'WorkloadGroup', { metadata: { labels: { app: 'a' } }, template: { ports: { http: 80 }, serviceAccount: 'default' }, probe: { httpGet: { path: '/ready', port: 8080 } } }, 'v1'],
    ['a proxy config', 'ProxyConfig', { selector: { matchLabels: { app: 'a' } }, concurrency: 0, environmentVariables: { A: 'b' }, image: { imageType: 'distroless' } }, 'v1beta1'],
  ])('accepts %s', (_name, kind, spec, version) => {
    expect(check(kind, spec, version)).toMatchObject({ ok: true });
  });
});
