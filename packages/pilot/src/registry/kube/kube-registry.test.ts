import { silentLogger } from '@mesh/runtime/testing';
import { FakeKubeApi } from '../../testing/fake-kube-api.js';
import type { RegistryChange } from '../service-registry.js';
import { KubeServiceRegistry, kubeConfigFor } from './kube-registry.js';

const SERVICES = '/api/v1/services';
const PODS = '/api/v1/pods';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const REVIEWS = 'reviews.default.svc.cluster.local';

const service = (name: string, ports: { name: string; port: number }[], clusterIP = '10.96.0.10'): Record<string, unknown> => ({ metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { clusterIP, ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) } });
const pod = (name: string, version: string, sa = 'bookinfo-reviews'): Record<string, unknown> => ({ metadata: { name, namespace: 'default', labels: { app: 'reviews', version, 'security.istio.io/tlsMode': 'istio' } }, spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'x' }] }, status: { podIP: '' } });
const slice = (name: string, svc: string, endpoints: [string, string][], port = 9080): Record<string, unknown> => ({
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  endpoints: endpoints.map(([ip, podName]) => ({ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: podName, namespace: 'default' }, zone: 'zone-a' })),
  ports: [{ name: 'http', port, protocol: 'TCP' }],
});

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('KubeServiceRegistry (client-node list/watch against a fake API server)', () => {
  let api: FakeKubeApi;
  let registry: KubeServiceRegistry;
  const changes: RegistryChange[] = [];
  const endpointsOf = (): string[] => registry.endpoints(REVIEWS, 9080).map((e) => `${e.address}:${e.port} ${e.labels['version']} ${e.serviceAccount}`);

  beforeAll(async () => {
    api = new FakeKubeApi();
    const url = await api.start();
    api.upsert(SERVICES, service('reviews', [{ name: 'http', port: 9080 }]));
    api.upsert(SERVICES, service('ratings-headless', [{ name: 'grpc-api', port: 50051 }], 'None'));
    api.upsert(PODS, pod('reviews-v1-abc', 'v1'));
    api.upsert(SLICES, slice('reviews-1', 'reviews', [['10.1.0.1', 'reviews-v1-abc']], 9080));
    registry = new KubeServiceRegistry({ kubeConfig: kubeConfigFor(url), domainSuffix: 'cluster.local', logger: silentLogger(), retryMs: 50 });
    registry.onChange((c) => changes.push(c));
    await registry.start();
  });

  afterAll(async () => {
    await registry?.stop();
    await api?.stop();
  });

  it('lists Services, EndpointSlices and Pods before it reports synced', async () => {
    await eventually(() => registry.isSynced && endpointsOf().length === 1, 'the initial lists');
    expect(registry.services().map((s) => [s.hostname, s.addresses, s.resolution, s.ports])).toEqual([
      ['ratings-headless.default.svc.cluster.local', undefined, 'Passthrough', [{ name: 'grpc-api', port: 50051, protocol: 'GRPC' }]],
      [REVIEWS, ['10.96.0.10'], 'ClientSideLB', [{ name: 'http', port: 9080, protocol: 'HTTP' }]],
    ]);
    expect(registry.endpoints(REVIEWS)[0]).toMatchObject({ address: '10.1.0.1', port: 9080, servicePort: 9080, labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews', tlsMode: 'istio', locality: '/zone-a' });
    expect(api.requests).toEqual(expect.arrayContaining([`GET ${SERVICES}`, `GET ${SERVICES} watch`, `GET ${SLICES} watch`, `GET ${PODS} watch`]));
  });

  it('follows an endpoint added to a slice as an endpoints-only change', async () => {
    changes.length = 0;
    api.upsert(PODS, pod('reviews-v2-def', 'v2'));
    api.upsert(SLICES, slice('reviews-1', 'reviews', [['10.1.0.1', 'reviews-v1-abc'], ['10.1.0.2', 'reviews-v2-def']]));
    await eventually(() => endpointsOf().length === 2, 'the new endpoint');
    expect(endpointsOf()).toEqual(['10.1.0.1:9080 v1 bookinfo-reviews', '10.1.0.2:9080 v2 bookinfo-reviews']);
    expect(changes.at(-1)).toEqual({ hostnames: [REVIEWS], endpointsOnly: true });
  });

  it('follows a pod relabel as an endpoints-only change, and a new identity as a full one', async () => {
    changes.length = 0;
    api.upsert(PODS, pod('reviews-v2-def', 'v3'));
    await eventually(() => endpointsOf().includes('10.1.0.2:9080 v3 bookinfo-reviews'), 'the relabelled pod');
    expect(changes.at(-1)).toEqual({ hostnames: [REVIEWS], endpointsOnly: true });
    api.upsert(PODS, pod('reviews-v2-def', 'v3', 'other-sa'));
    await eventually(() => endpointsOf().includes('10.1.0.2:9080 v3 other-sa'), 'the new service account');
    expect(changes.at(-1)).toEqual({ hostnames: [REVIEWS], endpointsOnly: false });
  });

  it('reports a service port change as a full change and a deleted service as gone', async () => {
    changes.length = 0;
    api.upsert(SERVICES, service('reviews', [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }]));
    await eventually(() => registry.services().find((s) => s.hostname === REVIEWS)?.ports.length === 2, 'the new port');
    expect(changes.at(-1)).toMatchObject({ hostnames: [REVIEWS], endpointsOnly: false });
    api.remove(SERVICES, 'default', 'ratings-headless');
    await eventually(() => registry.services().length === 1, 'the deletion');
  });

  it('resumes after the server ends its watches, and re-lists after 410 Gone', async () => {
    api.dropWatches();
    api.upsert(SLICES, slice('reviews-2', 'reviews', [['10.1.0.3', 'reviews-v1-abc']]));
    await eventually(() => endpointsOf().some((e) => e.startsWith('10.1.0.3')), 'the change after the watch ended');
    api.compact();
    api.dropWatches();
    api.remove(SLICES, 'default', 'reviews-2');
    await eventually(() => !endpointsOf().some((e) => e.startsWith('10.1.0.3')), 'the change after compaction');
  });
});
