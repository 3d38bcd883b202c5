import { proxyFromMetadata } from '../model/proxy.js';
import type { Proxy } from '../model/proxy.js';
import { AggregateServiceRegistry } from './aggregate-registry.js';
import { WorkloadRegistry } from './workload-registry.js';

function proxy(app: string, version: string, ip: string, ports: [number, number, number][], ns = 'default'): Proxy {
  return proxyFromMetadata(
    `sidecar~${ip}~${app}.${ns}~${ns}.svc.cluster.local`,
    {
      NAMESPACE: ns,
      LABELS: { app, version },
      SERVICE_ACCOUNT: app,
      INSTANCE_IPS: `${ip},10.9.9.9`,
      WORKLOAD_NAME: `${app}-${version}`,
      MESH_SERVICE: app,
      MESH_PORTS: ports.map(([port, endpointPort, targetPort]) => ({ name: port === 9090 ? 'grpc' : 'http', port, endpointPort, targetPort, protocol: port === 9090 ? 'GRPC' : 'HTTP' })),
    },
    'cluster.local',
  );
}

describe('WorkloadRegistry', () => {
  it('derives services and endpoints from registered workloads and notifies on changes', () => {
    const reg = new WorkloadRegistry();
    const changes: string[][] = [];
    reg.onChange((c) => changes.push(c.hostnames));
    reg.register('s1', proxy('shipping', 'v1', '10.0.0.2', [[80, 15206, 9082]]));
    reg.register('s2', proxy('shipping', 'v2', '10.0.0.3', [[80, 15306, 9083], [9090, 15307, 9090]]));
    expect(reg.services()).toEqual([
      {
        hostname: 'shipping.default.svc.cluster.local',
        name: 'shipping',
        namespace: 'default',
        ports: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'grpc', port: 9090, protocol: 'GRPC' },
        ],
        registry: 'Workload',
      },
    ]);
    expect(reg.endpoints('shipping.default.svc.cluster.local', 80).map((e) => [e.address, e.port, e.labels['version']])).toEqual([
      ['10.0.0.2', 15206, 'v1'],
      ['10.0.0.3', 15306, 'v2'],
    ]);
    expect(reg.endpoints('shipping.default.svc.cluster.local').length).toBe(3);
    expect(reg.unregister('s2')).toBe(true);
    expect(reg.unregister('s2')).toBe(false);
    expect(reg.services()[0]!.ports.map((p) => p.port)).toEqual([80]);
    expect(changes).toEqual([['shipping.default.svc.cluster.local'], ['shipping.default.svc.cluster.local'], ['shipping.default.svc.cluster.local']]);
  });

  it('reports a workload joining or leaving an existing service, same ports and identity, as endpoints-only', () => {
    const reg = new WorkloadRegistry();
    const changes: (boolean | undefined)[] = [];
    reg.onChange((c) => changes.push(c.endpointsOnly));
    reg.register('a', proxy('shipping', 'v1', '10.0.0.2', [[80, 1, 2]]));
    reg.register('b', proxy('shipping', 'v2', '10.0.0.3', [[80, 1, 2]]));
    reg.register('c', proxy('shipping', 'v3', '10.0.0.4', [[80, 1, 2], [81, 1, 2]]));
    reg.unregister('b');
    expect(changes).toEqual([false, true, false, true]);
  });

  it('keeps services in different namespaces apart and drops a service with no workloads', () => {
    const reg = new WorkloadRegistry();
    reg.register('a', proxy('shipping', 'v1', '10.0.0.2', [[80, 1, 2]], 'a'));
    reg.register('b', proxy('shipping', 'v1', '10.0.0.3', [[80, 1, 2]], 'b'));
    expect(reg.services().map((s) => s.hostname)).toEqual(['shipping.a.svc.cluster.local', 'shipping.b.svc.cluster.local']);
    reg.unregister('a');
    expect(reg.services().map((s) => s.hostname)).toEqual(['shipping.b.svc.cluster.local']);
  });
});

describe('AggregateServiceRegistry', () => {
  it('merges services (first registry wins) and endpoints, and forwards changes', () => {
    const a = new WorkloadRegistry();
    const b = new WorkloadRegistry();
    const agg = new AggregateServiceRegistry([a, b]);
    const changes: string[][] = [];
    const off = agg.onChange((c) => changes.push(c.hostnames));
    a.register('1', proxy('shipping', 'v1', '10.0.0.2', [[80, 1, 2]]));
    b.register('2', proxy('shipping', 'v2', '10.0.0.3', [[80, 3, 4], [8080, 5, 6]]));
    expect(agg.services().map((s) => [s.hostname, s.ports.map((p) => p.port)])).toEqual([['shipping.default.svc.cluster.local', [80]]]);
    expect(agg.endpoints('shipping.default.svc.cluster.local', 80).map((e) => e.address)).toEqual(['10.0.0.2', '10.0.0.3']);
    off();
    a.unregister('1');
    expect(changes).toHaveLength(2);
  });
});

describe('WorkloadRegistry tlsMode', () => {
  it('advertises an endpoint as mTLS-capable only while its sidecar reports a certificate, and follows a reconnect that adds it', () => {
    const reg = new WorkloadRegistry();
    const changes: boolean[] = [];
    reg.onChange((c) => changes.push(c.endpointsOnly === true));
    const plain = proxy('shipping', 'v1', '10.0.0.2', [[80, 15206, 9082]]);
    reg.register('stream-1', plain);
    const view = (): unknown[] => reg.endpoints('shipping.default.svc.cluster.local').map((e) => [e.port, e.targetPort, e.tlsMode ?? null]);
    expect(view()).toEqual([[15206, 9082, null]]);
    // The sidecar obtained its certificate later: a new stream with the label, then the old one ends.
    reg.register('stream-2', { ...plain, labels: { ...plain.labels, 'security.istio.io/tlsMode': 'istio' } });
    reg.unregister('stream-1');
    expect(view()).toEqual([[15206, 9082, 'istio']]);
    // Creating the service is a full change; the certificate's arrival only changes endpoints (an EDS push).
    expect(changes).toEqual([false, true, true]);
  });
});
