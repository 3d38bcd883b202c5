import path from 'node:path';
import { config, fixtureIndex, golden, translate, wireProblems, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';
import { proxyScope } from './scope.js';

const TESTDATA = path.join(__dirname, 'testdata', 'scope');
const http = (port: number): { name: string; port: number; endpointPort: number; targetPort: number; protocol: 'HTTP' }[] => [{ name: 'http', port, endpointPort: 15006, targetPort: port, protocol: 'HTTP' }];

const client = workload({ name: 'client', app: 'client', ip: '10.0.0.1', namespace: 'ns1', ports: [] });
const a1 = workload({ name: 'a', app: 'a', ip: '10.0.1.1', namespace: 'ns1', ports: http(8000) });
const b2 = workload({ name: 'b', app: 'b', ip: '10.0.2.1', namespace: 'ns2', ports: http(8000) });
const c3 = workload({ name: 'c', app: 'c', ip: '10.0.3.1', namespace: 'ns3', ports: http(9000) });
const base: MeshFixture = { workloads: [client, a1, b2, c3] };

const visible = (f: MeshFixture, p = client): string[] => proxyScope(fixtureIndex(f), p).services.map((s) => s.hostname);

describe('proxy scope: Sidecar egress hosts and exportTo (Istio 1.4 SidecarScope)', () => {
  it('sees every service without a Sidecar', () => {
    expect(visible(base)).toEqual(['a.ns1.svc.cluster.local', 'b.ns2.svc.cluster.local', 'c.ns3.svc.cluster.local', 'client.ns1.svc.cluster.local']);
  });

  it('limits a namespace to its Sidecar egress hosts (`./*`, `ns/host`)', () => {
    const f = { ...base, configs: [config('Sidecar', 'default', { egress: [{ hosts: ['./*', 'ns3/c.ns3.svc.cluster.local'] }] }, 'ns1')] };
    expect(visible(f)).toEqual(['a.ns1.svc.cluster.local', 'c.ns3.svc.cluster.local', 'client.ns1.svc.cluster.local']);
  });

  it('prefers a Sidecar selecting the workload, and falls back to the root namespace Sidecar', () => {
    const root = config('Sidecar', 'default', { egress: [{ hosts: ['ns2/*'] }] }, 'istio-system');
    const selected = config('Sidecar', 'client-only', { workloadSelector: { labels: { app: 'client' } }, egress: [{ hosts: ['ns3/*'] }] }, 'ns1');
    expect(visible({ ...base, configs: [root] })).toEqual(['b.ns2.svc.cluster.local']);
    expect(visible({ ...base, configs: [root, selected] })).toEqual(['c.ns3.svc.cluster.local']);
  });

  it('hides services, VirtualServices and DestinationRules exported only to their own namespace', () => {
    const f: MeshFixture = {
      ...base,
      configs: [
        config('VirtualService', 'b-private', { hosts: ['b.ns2.svc.cluster.local'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'b.ns2.svc.cluster.local' } }], timeout: '3s' }] }, 'ns2'),
        config('DestinationRule', 'b-private', { host: 'b.ns2.svc.cluster.local', exportTo: ['.'], trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }, 'ns2'),
      ],
    };
    const fromNs1 = proxyScope(fixtureIndex(f), client);
    expect(fromNs1.virtualServices).toEqual([]);
    const out = translate(client, f);
    expect(out.Cluster.find((c) => c['name'] === 'outbound|8000||b.ns2.svc.cluster.local')!['lb_policy']).toBe('ROUND_ROBIN');
    const ns2Client = workload({ name: 'client2', app: 'client2', ip: '10.0.2.9', namespace: 'ns2', ports: [] });
    expect(proxyScope(fixtureIndex({ ...f, workloads: [...base.workloads!, ns2Client] }), ns2Client).virtualServices.map((v) => v.metadata.name)).toEqual(['b-private']);
  });

  it('uses the DestinationRule of the proxy namespace before the service namespace', () => {
    const f: MeshFixture = {
      ...base,
      configs: [
        config('DestinationRule', 'b', { host: 'b.ns2.svc.cluster.local', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }, 'ns2'),
        config('DestinationRule', 'b-local', { host: 'b.ns2.svc.cluster.local', trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } } }, 'ns1'),
      ],
    };
    expect(translate(client, f).Cluster.find((c) => c['name'] === 'outbound|8000||b.ns2.svc.cluster.local')!['lb_policy']).toBe('LEAST_REQUEST');
    expect(translate(b2, f).Cluster.find((c) => c['name'] === 'outbound|8000||b.ns2.svc.cluster.local')!['lb_policy']).toBe('RANDOM');
  });

  it('matches its golden resources for a scoped sidecar, valid on the wire', () => {
    const f = { ...base, configs: [config('Sidecar', 'default', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' as const } }, 'ns1')], settings: { outboundTrafficPolicy: 'ALLOW_ANY' as const } };
    const out = translate(client, f);
    const { expected, actual } = golden(TESTDATA, 'sidecar-egress-registry-only', out);
    expect(actual).toEqual(expected);
    expect(wireProblems(out)).toEqual([]);
  });
});
