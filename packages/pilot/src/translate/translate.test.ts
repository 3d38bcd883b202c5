import fs from 'node:fs';
import path from 'node:path';
import { messageNameOf, packAny, TypeUrls, XDS_PUSH_ORDER, xdsRoot } from '@mesh/shared-api';
import type { ConfigResource, DestinationRuleSpec, VirtualServiceSpec, WorkloadMetadata } from '@mesh/shared-api';
import type protobuf from 'protobufjs';
import { proxyFromMetadata } from '../model/proxy.js';
import type { Proxy } from '../model/proxy.js';
import { WorkloadRegistry } from '../registry/workload-registry.js';
import { decodeResource } from '../xds/decode-resource.js';
import { buildSnapshot, snapshotInconsistencies } from '../xds/snapshot.js';
import { generateResources } from './generate.js';
import { buildMeshIndex } from './mesh-index.js';
import type { GeneratedResources } from './resources.js';

const DOMAIN = 'cluster.local';

function workload(name: string, app: string, version: string, ip: string, inboundPort: number, appPort: number, servicePort = 80): Proxy {
  const meta: WorkloadMetadata = {
    NAMESPACE: 'default',
    LABELS: { app, version },
    SERVICE_ACCOUNT: app,
    INSTANCE_IPS: ip,
    WORKLOAD_NAME: name,
    MESH_SERVICE: app,
    MESH_PORTS: [{ name: 'http', port: servicePort, endpointPort: inboundPort, targetPort: appPort, protocol: 'HTTP' }],
  };
  return proxyFromMetadata(`sidecar~${ip}~${name}.default~default.svc.cluster.local`, meta, DOMAIN);
}

function vs(name: string, spec: VirtualServiceSpec, created = '2024-01-01T00:00:00Z'): ConfigResource<VirtualServiceSpec> {
  return { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name, namespace: 'default', creationTimestamp: created }, spec };
}

function dr(name: string, spec: DestinationRuleSpec): ConfigResource<DestinationRuleSpec> {
  return { apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' }, spec };
}

const booking = workload('booking-service-1', 'booking-service', 'v1', '10.0.0.1', 15106, 9081);
const shippingV1 = workload('shipping-service-v1', 'shipping-service', 'v1', '10.0.0.2', 15206, 9082);
const shippingV2 = workload('shipping-service-v2', 'shipping-service', 'v2', '10.0.0.3', 15306, 9083);
const shippingDr = dr('shipping-service', { host: 'shipping-service', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });

/** Translates for `proxy` in a mesh made of the given workloads and config, through the real registry. */
function translate(proxy: Proxy, workloads: Proxy[], virtualServices: ConfigResource<VirtualServiceSpec>[], destinationRules: ConfigResource<DestinationRuleSpec>[]): GeneratedResources {
  const registry = new WorkloadRegistry();
  workloads.forEach((w, i) => registry.register(`w${i}`, w));
  const services = registry.services();
  const index = buildMeshIndex({ domainSuffix: DOMAIN, services, endpoints: services.flatMap((s) => registry.endpoints(s.hostname)), virtualServices, destinationRules });
  return generateResources(index, proxy);
}

/** Compares with testdata/<name>.json; `UPDATE_GOLDEN=1 npx jest` rewrites the files. */
function expectGolden(name: string, actual: unknown): void {
  const file = path.join(__dirname, 'testdata', `${name}.json`);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, text);
  expect(fs.existsSync(file)).toBe(true);
  expect(actual).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Field names protobufjs would silently drop: every key must be a field of the message type. */
function unknownFields(type: protobuf.Type, obj: Record<string, unknown>, at: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === '@type') continue;
    const field = type.fields[k];
    if (!field) {
      out.push(`${at}.${k}`);
      continue;
    }
    field.resolve();
    const ft = field.resolvedType;
    const items = Array.isArray(v) ? v : [v];
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'object' || item === null || !ft || !('fields' in ft)) continue;
      let t = ft as protobuf.Type;
      const rec = item as Record<string, unknown>;
      if (t.fullName === '.google.protobuf.Any' && typeof rec['@type'] === 'string') t = xdsRoot().lookupType(messageNameOf(rec['@type']));
      out.push(...unknownFields(t, rec, `${at}.${k}${Array.isArray(v) ? `[${i}]` : ''}`));
    }
  }
  return out;
}

const canary = vs('shipping-service', {
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

const headerMatch = vs('shipping-service', {
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

describe('generateResources', () => {
  const cases: [string, () => GeneratedResources][] = [
    ['canary', () => translate(booking, [booking, shippingV1, shippingV2], [canary], [shippingDr])],
    ['header-match', () => translate(booking, [booking, shippingV1, shippingV2], [headerMatch], [shippingDr])],
    ['no-virtual-service', () => translate(booking, [booking, shippingV1], [], [])],
    [
      'subset-without-endpoints',
      () =>
        translate(
          booking,
          [booking, shippingV1],
          [vs('shipping-service', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v3' } }] }] })],
          [dr('shipping-service', { host: 'shipping-service.default.svc.cluster.local', subsets: [{ name: 'v3', labels: { version: 'v3' } }] })],
        ),
    ],
  ];

  it.each(cases)('matches the golden output for %s', (name, run) => {
    expectGolden(name, run());
  });

  it.each(cases)('produces only real proto fields, a consistent snapshot and resources that decode back (%s)', (_name, run) => {
    const generated = run();
    for (const type of XDS_PUSH_ORDER) {
      const msg = xdsRoot().lookupType(messageNameOf(TypeUrls[type]));
      for (const r of generated[type]) {
        expect(unknownFields(msg, r, type)).toEqual([]);
        const decoded = decodeResource(packAny(TypeUrls[type], r));
        expect(decoded['@type']).toBe(TypeUrls[type]);
      }
    }
    expect(snapshotInconsistencies(buildSnapshot(generated, 0))).toEqual([]);
  });

  it('detects a misspelt field (the check above is not vacuous)', () => {
    const cluster = xdsRoot().lookupType(messageNameOf(TypeUrls.Cluster));
    expect(unknownFields(cluster, { name: 'c', eds_cluster_config: { servce_name: 'c' } }, 'Cluster')).toEqual(['Cluster.eds_cluster_config.servce_name']);
  });

  it('splits canary traffic 90/10 between the v1 and v2 subset clusters', () => {
    const rc = translate(booking, [booking, shippingV1, shippingV2], [canary], [shippingDr]).RouteConfiguration;
    expect(rc.map((r) => r['name'])).toEqual(['80']);
    const vhost = (rc[0]!['virtual_hosts'] as Record<string, unknown>[]).find((v) => v['name'] === 'shipping-service.default.svc.cluster.local:80')!;
    expect(vhost['routes']).toEqual([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: 'outbound|80|v1|shipping-service.default.svc.cluster.local', weight: { value: 90 } },
              { name: 'outbound|80|v2|shipping-service.default.svc.cluster.local', weight: { value: 10 } },
            ],
          },
        },
      },
    ]);
  });

  it('gives a subset with no matching workloads an empty endpoint list', () => {
    const out = translate(booking, [booking, shippingV1], [], [dr('shipping-service', { host: 'shipping-service', subsets: [{ name: 'v3', labels: { version: 'v3' } }] })]);
    const cla = out.ClusterLoadAssignment.find((c) => c['cluster_name'] === 'outbound|80|v3|shipping-service.default.svc.cluster.local');
    expect(cla).toEqual({ cluster_name: 'outbound|80|v3|shipping-service.default.svc.cluster.local', endpoints: [{ lb_endpoints: [] }] });
  });

  it('ignores a VirtualService bound only to gateways, and one whose matches all target another port', () => {
    const gatewayOnly = vs('gw', { hosts: ['shipping-service'], gateways: ['ingress'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] });
    const otherPort = vs('p', { hosts: ['shipping-service'], http: [{ match: [{ port: 8080 }], route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] });
    for (const v of [gatewayOnly, otherPort]) {
      const rc = translate(booking, [booking, shippingV1], [v], [shippingDr]).RouteConfiguration[0]!;
      const vhost = (rc['virtual_hosts'] as Record<string, unknown>[]).find((x) => x['name'] === 'shipping-service.default.svc.cluster.local:80')!;
      expect(vhost['routes']).toEqual([{ match: { prefix: '/' }, route: { cluster: 'outbound|80||shipping-service.default.svc.cluster.local' } }]);
    }
  });

  it('keeps the oldest VirtualService when two claim the same host', () => {
    const older = vs('older', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v1' } }] }] }, '2024-01-01T00:00:00Z');
    const newer = vs('newer', { hosts: ['shipping-service'], http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v2' } }] }] }, '2024-02-01T00:00:00Z');
    const rc = translate(booking, [booking, shippingV1], [older, newer], [shippingDr]).RouteConfiguration[0]!;
    const vhost = (rc['virtual_hosts'] as Record<string, unknown>[]).find((x) => x['name'] === 'shipping-service.default.svc.cluster.local:80')!;
    expect(vhost['routes']).toEqual([{ match: { prefix: '/' }, route: { cluster: 'outbound|80|v1|shipping-service.default.svc.cluster.local' } }]);
  });

  it('gives short-name domains to the service in the proxy namespace when two namespaces share a name', () => {
    const other = proxyFromMetadata('sidecar~10.0.0.9~shipping-service.other~other.svc.cluster.local', {
      NAMESPACE: 'other',
      LABELS: { app: 'shipping-service' },
      SERVICE_ACCOUNT: 'default',
      INSTANCE_IPS: '10.0.0.9',
      WORKLOAD_NAME: 'shipping-service',
      MESH_SERVICE: 'shipping-service',
      MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15406, targetPort: 9084, protocol: 'HTTP' }],
    }, DOMAIN);
    const rc = translate(booking, [booking, shippingV1, other], [], []).RouteConfiguration[0]!;
    const domains = Object.fromEntries((rc['virtual_hosts'] as { name: string; domains: string[] }[]).map((v) => [v.name, v.domains]));
    expect(domains['shipping-service.default.svc.cluster.local:80']).toContain('shipping-service');
    expect(domains['shipping-service.other.svc.cluster.local:80']).toEqual([
      'shipping-service.other.svc.cluster.local',
      'shipping-service.other.svc.cluster.local:80',
      'shipping-service.other',
      'shipping-service.other:80',
      'shipping-service.other.svc',
      'shipping-service.other.svc:80',
    ]);
  });

  it('gives a proxy that serves nothing no inbound listener or inbound cluster', () => {
    const client = proxyFromMetadata('sidecar~10.0.0.7~client.default~default.svc.cluster.local', { NAMESPACE: 'default', LABELS: {}, SERVICE_ACCOUNT: 'default', INSTANCE_IPS: '10.0.0.7', WORKLOAD_NAME: 'client', MESH_SERVICE: '', MESH_PORTS: [] }, DOMAIN);
    const out = translate(client, [client, shippingV1], [], []);
    expect(out.Listener.map((l) => l['name'])).toEqual(['0.0.0.0_80']);
    expect(out.Cluster.map((c) => c['name'])).toEqual(['outbound|80||shipping-service.default.svc.cluster.local']);
  });
});
