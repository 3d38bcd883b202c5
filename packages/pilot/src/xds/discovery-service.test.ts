import { createProcessMetrics } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { resourceTypeOf, TypeUrls, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import { PilotMetrics } from '../admin/pilot-metrics.js';
import { MemoryConfigStore } from '../model/config-store.js';
import { DEFAULT_MESH_SETTINGS } from '../model/mesh-settings.js';
import { AggregateServiceRegistry } from '../registry/aggregate-registry.js';
import { ServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { WorkloadRegistry } from '../registry/workload-registry.js';
import { config } from '../testing/translate-fixtures.js';
import type { DiscoveryResponse } from './discovery-request.js';
import { DiscoveryService } from './discovery-service.js';
import type { XdsStream } from './xds-stream.js';

const processMetrics = createProcessMetrics('test');
afterAll(() => processMetrics.shutdown());

function meta(app: string, version: string, ip: string): Record<string, unknown> {
  return { NAMESPACE: 'default', LABELS: { app, version }, SERVICE_ACCOUNT: app, INSTANCE_IPS: ip, WORKLOAD_NAME: `${app}-${version}`, MESH_SERVICE: app, MESH_PORTS: [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 8080, protocol: 'HTTP' }] };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('DiscoveryService pushes', () => {
  let store: MemoryConfigStore;
  let discovery: DiscoveryService;
  let seRegistry: ServiceEntryRegistry;

  beforeEach(() => {
    store = new MemoryConfigStore();
    const workloads = new WorkloadRegistry();
    seRegistry = new ServiceEntryRegistry(store);
    discovery = new DiscoveryService({
      config: store,
      registry: new AggregateServiceRegistry([workloads, seRegistry]),
      workloads,
      mesh: DEFAULT_MESH_SETTINGS,
      debounceMs: 10,
      debounceMaxMs: 50,
      pushConcurrency: 4,
      isSynced: () => true,
      logger: silentLogger(),
      metrics: new PilotMetrics(processMetrics.meter),
    });
  });

  afterEach(() => {
    discovery.stop();
    seRegistry.stop();
  });

  /** Connects a proxy that ACKs everything; returns the types of what it received. */
  function connect(app: string, version: string, ip: string): { stream: XdsStream; received: XdsResourceType[]; responses: DiscoveryResponse[] } {
    const received: XdsResourceType[] = [];
    const responses: DiscoveryResponse[] = [];
    const stream: XdsStream = discovery.openStream({
      send: (r) => {
        received.push(resourceTypeOf(r.type_url)!);
        responses.push(r);
        setImmediate(() => stream.handleRequest({ versionInfo: r.version_info, node: undefined, resourceNames: [], typeUrl: r.type_url, responseNonce: r.nonce, errorDetail: undefined }));
      },
      fail: (m) => {
        throw new Error(m);
      },
    });
    const node = { id: `sidecar~${ip}~${app}-${version}.default~default.svc.cluster.local`, cluster: '', metadata: meta(app, version, ip), userAgent: '' };
    XDS_PUSH_ORDER.forEach((t, i) => stream.handleRequest({ versionInfo: '', node: i === 0 ? node : undefined, resourceNames: [], typeUrl: TypeUrls[t], responseNonce: '', errorDetail: undefined }));
    return { stream, received, responses };
  }

  it('pushes only EDS to others when a workload joins a service that already exists', async () => {
    const booking = connect('booking', 'v1', '10.0.0.1');
    connect('shipping', 'v1', '10.0.0.2');
    await sleep(100);
    await discovery.queue.idle();
    booking.received.length = 0;
    connect('shipping', 'v2', '10.0.0.3');
    await sleep(100);
    await discovery.queue.idle();
    expect(booking.received).toEqual(['ClusterLoadAssignment']);
  });

  it('pushes CDS too when a new service appears', async () => {
    const booking = connect('booking', 'v1', '10.0.0.1');
    await sleep(100);
    booking.received.length = 0;
    connect('shipping', 'v1', '10.0.0.2');
    await sleep(100);
    await discovery.queue.idle();
    expect(booking.received).toEqual(expect.arrayContaining(['Cluster', 'ClusterLoadAssignment']));
  });

  it('pushes only EDS when a WorkloadEntry moves, and everything when a VirtualService changes', async () => {
    store.put('ServiceEntry', { key: 'se', revision: 1, resource: config('ServiceEntry', 'vm', { hosts: ['vm.example.com'], ports: [{ number: 80, name: 'http' }], resolution: 'STATIC', workloadSelector: { labels: { app: 'vm' } } }) });
    store.put('WorkloadEntry', { key: 'we', revision: 2, resource: config('WorkloadEntry', 'vm-1', { address: '10.9.0.1', labels: { app: 'vm' } }) });
    const booking = connect('booking', 'v1', '10.0.0.1');
    await sleep(100);
    await discovery.queue.idle();
    booking.received.length = 0;
    store.put('WorkloadEntry', { key: 'we', revision: 3, resource: config('WorkloadEntry', 'vm-1', { address: '10.9.0.2', labels: { app: 'vm' } }) });
    await sleep(100);
    await discovery.queue.idle();
    expect(booking.received).toEqual(['ClusterLoadAssignment']);
    booking.received.length = 0;
    store.put('VirtualService', { key: 'vs', revision: 4, resource: config('VirtualService', 'vm', { hosts: ['vm.example.com'], http: [{ route: [{ destination: { host: 'vm.example.com' } }], timeout: '2s' }] }) });
    await sleep(100);
    await discovery.queue.idle();
    expect(booking.received).toEqual(['RouteConfiguration']);
  });

  it('keeps a queued full push full when an EDS-only push replaces it', async () => {
    store.put('ServiceEntry', { key: 'se', revision: 1, resource: config('ServiceEntry', 'vm', { hosts: ['vm.example.com'], ports: [{ number: 80, name: 'http' }], resolution: 'STATIC', workloadSelector: { labels: { app: 'vm' } } }) });
    store.put('WorkloadEntry', { key: 'we', revision: 2, resource: config('WorkloadEntry', 'vm-1', { address: '10.9.0.1', labels: { app: 'vm' } }) });
    const proxies = Array.from({ length: 6 }, (_v, i) => connect(`svc${i}`, 'v1', `10.0.2.${i + 1}`));
    await sleep(100);
    await discovery.queue.idle();
    // Hold every response: the four running pushes block, the others wait in the queue.
    const held: (() => void)[] = [];
    for (const p of proxies) {
      const send = (p.stream as unknown as { hooks: { send: (r: DiscoveryResponse) => void | Promise<void> } }).hooks.send;
      (p.stream as unknown as { hooks: { send: (r: DiscoveryResponse) => Promise<void> } }).hooks.send = (r) =>
        new Promise<void>((resolve) => held.push(() => void Promise.resolve(send(r)).then(resolve)));
    }
    store.put('DestinationRule', { key: 'dr', revision: 3, resource: config('DestinationRule', 'vm', { host: 'vm.example.com', subsets: [{ name: 'blue', labels: { app: 'vm' } }] }) });
    await sleep(100);
    expect(discovery.queue.depth).toBe(2);
    store.put('WorkloadEntry', { key: 'we', revision: 4, resource: config('WorkloadEntry', 'vm-1', { address: '10.9.0.2', labels: { app: 'vm' } }) });
    await sleep(100);
    const deadline = Date.now() + 5000;
    while ((held.length > 0 || discovery.queue.depth > 0 || discovery.queue.inFlight > 0) && Date.now() < deadline) {
      held.splice(0).forEach((release) => release());
      await sleep(10);
    }
    const clusters = (p: (typeof proxies)[number]): string[] => discovery.cache.get(p.stream.id)!.types.Cluster.names;
    for (const p of proxies) expect(clusters(p)).toContain('outbound|80|blue|vm.example.com');
  });

  it('answers a connecting proxy from the current push and queues pushes with a depth', async () => {
    const proxies = Array.from({ length: 10 }, (_v, i) => connect(`svc${i}`, 'v1', `10.0.1.${i + 1}`));
    await sleep(100);
    await discovery.queue.idle();
    expect(discovery.queue.depth).toBe(0);
    for (const p of proxies) expect(p.received.slice(0, 4)).toEqual(['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);
  });
});
