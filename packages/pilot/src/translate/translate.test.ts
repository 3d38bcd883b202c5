import path from 'node:path';
import { config, golden, named, translate, virtualHost, wireProblems, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';
import type { Proxy } from '../model/proxy.js';
import type { GeneratedResources } from './resources.js';

const TESTDATA = path.join(__dirname, 'testdata');

const booking = workload({ name: 'booking-service-1', app: 'booking-service', version: 'v1', ip: '10.0.0.1', ports: [{ name: 'http', port: 80, endpointPort: 15106, targetPort: 9081, protocol: 'HTTP' }] });
const shippingV1 = workload({ name: 'shipping-service-v1', app: 'shipping-service', version: 'v1', ip: '10.0.0.2', ports: [{ name: 'http', port: 80, endpointPort: 15206, targetPort: 9082, protocol: 'HTTP' }] });
const shippingV2 = workload({ name: 'shipping-service-v2', app: 'shipping-service', version: 'v2', ip: '10.0.0.3', ports: [{ name: 'http', port: 80, endpointPort: 15306, targetPort: 9083, protocol: 'HTTP' }] });
const shippingDr = config('DestinationRule', 'shipping-service', { host: 'shipping-service', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });

const canary = config('VirtualService', 'shipping-service', {
  hosts: ['shipping-service'],
  http: [
    {
      route: [
        { destination: { host: 'shipping-service', subset: 'v1' }, weight: 90 },
        { destination: { host: 'shipping-service', subset: 'v2' }, weight: 10 },
      ],
    },
  ],
});

const headerMatch = config('VirtualService', 'shipping-service', {
  hosts: ['shipping-service.default.svc.cluster.local'],
  http: [
    {
      match: [{ headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/api/v1/shipping' } }],
      route: [{ destination: { host: 'shipping-service', subset: 'v2' } }],
      timeout: '1.5s',
    },
    {
      match: [{ uri: { exact: '/Health' }, ignoreUriCase: true }, { uri: { regex: '^/orders/[0-9]+$' }, headers: { 'x-canary': { regex: '^(yes|true)$' } } }],
      route: [{ destination: { host: 'shipping-service.default.svc.cluster.local', subset: 'v2', port: { number: 80 } } }],
    },
    { route: [{ destination: { host: 'shipping-service', subset: 'v1' } }], timeout: '10s' },
  ],
});

const rc80 = (out: GeneratedResources): Record<string, unknown> => named(out.RouteConfiguration, '80');
const shippingRoutes = (out: GeneratedResources): unknown => virtualHost(rc80(out), 'shipping-service.default.svc.cluster.local:80')['routes'];

/** The demo's mesh seen from booking (the sample app's config and workloads). */
const demo = (f: MeshFixture): [Proxy, MeshFixture] => [booking, { workloads: [booking, shippingV1, shippingV2], ...f }];

describe('generateResources (the demo mesh)', () => {
  const cases: [string, Proxy, MeshFixture][] = [
    ['canary', ...demo({ configs: [canary, shippingDr] })],
    ['header-match', ...demo({ configs: [headerMatch, shippingDr] })],
    ['no-virtual-service', booking, { workloads: [booking, shippingV1] }],
    [
      'subset-without-endpoints',
      booking,
      {
        workloads: [booking, shippingV1],
        configs: [
          config('VirtualService', 'shipping-service', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v3' } }] }] }),
          config('DestinationRule', 'shipping-service', { host: 'shipping-service.default.svc.cluster.local', subsets: [{ name: 'v3', labels: { version: 'v3' } }] }),
        ],
      },
    ],
  ];

  it.each(cases)('matches the golden output for %s', (name, proxy, f) => {
    const { expected, actual } = golden(TESTDATA, name, translate(proxy, f));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('produces only real proto fields, a consistent snapshot and resources that decode back (%s)', (_name, proxy, f) => {
    expect(wireProblems(translate(proxy, f))).toEqual([]);
  });

  it('splits canary traffic 90/10 between the v1 and v2 subset clusters', () => {
    const routes = shippingRoutes(translate(...demo({ configs: [canary, shippingDr] }))) as Record<string, unknown>[];
    expect(routes).toHaveLength(1);
    expect((routes[0]!['route'] as Record<string, unknown>)['weighted_clusters']).toEqual({
      clusters: [
        { name: 'outbound|80|v1|shipping-service.default.svc.cluster.local', weight: { value: 90 } },
        { name: 'outbound|80|v2|shipping-service.default.svc.cluster.local', weight: { value: 10 } },
      ],
      total_weight: { value: 100 },
    });
  });

  it('gives a subset with no matching workloads an empty load assignment', () => {
    const out = translate(booking, { workloads: [booking, shippingV1], configs: [config('DestinationRule', 'shipping-service', { host: 'shipping-service', subsets: [{ name: 'v3', labels: { version: 'v3' } }] })] });
    expect(named(out.ClusterLoadAssignment, 'outbound|80|v3|shipping-service.default.svc.cluster.local')).toEqual({ cluster_name: 'outbound|80|v3|shipping-service.default.svc.cluster.local' });
  });

  it('ignores a VirtualService bound only to gateways, and one whose matches all target another port', () => {
    const gatewayOnly = config('VirtualService', 'gw', { hosts: ['shipping-service'], gateways: ['ingress'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] });
    const otherPort = config('VirtualService', 'p', { hosts: ['shipping-service'], http: [{ match: [{ port: 8080 }], route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] });
    for (const v of [gatewayOnly, otherPort]) {
      const routes = shippingRoutes(translate(booking, { workloads: [booking, shippingV1], configs: [v, shippingDr] })) as Record<string, unknown>[];
      expect(routes.map((r) => (r['route'] as Record<string, unknown>)['cluster'])).toEqual(['outbound|80||shipping-service.default.svc.cluster.local']);
    }
  });

  it('keeps the oldest VirtualService when two claim the same host', () => {
    const older = config('VirtualService', 'older', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v1' } }] }] }, 'default', '2024-01-01T00:00:00Z');
    const newer = config('VirtualService', 'newer', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] }, 'default', '2024-02-01T00:00:00Z');
    const routes = shippingRoutes(translate(booking, { workloads: [booking, shippingV1], configs: [newer, older, shippingDr] })) as Record<string, unknown>[];
    expect(routes.map((r) => (r['route'] as Record<string, unknown>)['cluster'])).toEqual(['outbound|80|v1|shipping-service.default.svc.cluster.local']);
  });

  it('gives short names only for services in the proxy namespace (Istio 1.4 generateAltVirtualHosts)', () => {
    const other = workload({ name: 'shipping-service', app: 'shipping-service', ip: '10.0.0.9', namespace: 'other', ports: [{ name: 'http', port: 80, endpointPort: 15406, targetPort: 9084, protocol: 'HTTP' }] });
    const rc = rc80(translate(booking, { workloads: [booking, shippingV1, other] }));
    expect(virtualHost(rc, 'shipping-service.default.svc.cluster.local:80')['domains']).toEqual([
      'shipping-service.default.svc.cluster.local',
      'shipping-service.default.svc.cluster.local:80',
      'shipping-service',
      'shipping-service:80',
      'shipping-service.default.svc.cluster',
      'shipping-service.default.svc.cluster:80',
      'shipping-service.default.svc',
      'shipping-service.default.svc:80',
      'shipping-service.default',
      'shipping-service.default:80',
    ]);
    expect(virtualHost(rc, 'shipping-service.other.svc.cluster.local:80')['domains']).toEqual([
      'shipping-service.other.svc.cluster.local',
      'shipping-service.other.svc.cluster.local:80',
      'shipping-service.other',
      'shipping-service.other:80',
      'shipping-service.other.svc.cluster',
      'shipping-service.other.svc.cluster:80',
      'shipping-service.other.svc',
      'shipping-service.other.svc:80',
    ]);
  });

  it('gives a proxy that serves nothing no inbound listener or inbound cluster', () => {
    const client = workload({ name: 'client', app: 'client', ip: '10.0.0.7', ports: [] });
    const out = translate(client, { workloads: [client, shippingV1] });
    expect(out.Listener.map((l) => l['name'])).toEqual(['0.0.0.0_80']);
    expect(out.Cluster.map((c) => c['name'])).toEqual(['outbound|80||shipping-service.default.svc.cluster.local']);
  });
});
