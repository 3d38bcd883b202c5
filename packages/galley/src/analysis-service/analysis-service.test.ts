import { Kvm } from '@nats-io/kv';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { kindByApiVersion, REGISTRY_BUCKET, registryServiceKey, registryWorkloadKey } from '@mesh/shared-api';
import type { ConfigResource, RegistryService, RegistryWorkload } from '@mesh/shared-api';
import type { FastifyInstance } from 'fastify';
import { TokenAuthenticator } from '../auth/authenticator.js';
import { buildApp } from '../http/app.js';
import { KvConfigStore } from '../store/kv-config-store.js';
import { ANALYZE_PATH } from './analyze-routes.js';
import { KvMeshInventory } from './kv-mesh-inventory.js';
import { startAnalysis } from './start-analysis.js';
import type { RunningAnalysis } from './start-analysis.js';

const NET = 'networking.istio.io/v1alpha3';
const dr = (name: string, host: string, subsets: string[]): ConfigResource => ({
  apiVersion: NET,
  kind: 'DestinationRule',
  metadata: { name, namespace: 'default' },
  spec: { host, subsets: subsets.map((s) => ({ name: s, labels: { version: s } })) },
});
const vs = (name: string, host: string, subset?: string, ns = 'default'): ConfigResource => ({
  apiVersion: NET,
  kind: 'VirtualService',
  metadata: { name, namespace: ns },
  spec: { hosts: [host], http: [{ route: [{ destination: { host, ...(subset ? { subset } : {}) } }] }] },
});
const service = (name: string): RegistryService => ({ hostname: `${name}.default.svc.cluster.local`, name, namespace: 'default', ports: [{ name: 'http', port: 80, protocol: 'HTTP' }], source: 'workload-registration' });
const workload = (name: string, app: string, version: string): RegistryWorkload => ({
  name,
  namespace: 'default',
  labels: { app, version },
  addresses: ['127.0.0.1'],
  services: [`${app}.default.svc.cluster.local`],
  source: 'workload-registration',
});

async function eventually(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Galley analysis over NATS', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let store: KvConfigStore;
  let analysis: RunningAnalysis;
  let app: FastifyInstance;
  const create = (obj: ConfigResource) => store.create(kindByApiVersion(obj.apiVersion, obj.kind)!, obj);
  const findings = (body: { messages: Array<{ code: string; resource: string; field: string }> }) => body.messages.map((m) => [m.code, m.resource, m.field]);

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'analysis-test', timeoutMs: 5000, logger: silentLogger() });
    store = await KvConfigStore.open({ nc, logger: silentLogger() });
    // As in Galley: admission warnings wait for this store's own writes (writtenRevision), the analyze endpoint asks the bucket.
    analysis = startAnalysis({ nc, logger: silentLogger(), domainSuffix: 'cluster.local', writtenRevision: () => store.lastWrittenRevision });
    app = buildApp({ store, authenticator: new TokenAuthenticator({ anonymous: true }), logger: silentLogger(), admissionWarnings: analysis.admissionWarnings });
    await analysis.registerRoutes(app);
    await app.ready();
    await eventually(() => analysis.synced, 'the analysis to load');
  });

  afterAll(async () => {
    await app?.close();
    await analysis?.stop();
    store?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('analyses the stored config, leaving hosts and workloads unjudged while no registry is published', async () => {
    await create(dr('reviews', 'reviews', ['v1']));
    await create(vs('reviews', 'reviews', 'v2'));
    const res = await app.inject({ method: 'GET', url: ANALYZE_PATH });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ apiVersion: 'galley.mesh.io/v1', kind: 'AnalysisReport', inventory: { available: false }, analyzed: { stored: 2, documents: 0 } });
    expect(findings(body)).toEqual([['IST0101', 'VirtualService default/reviews', 'spec.http[0].route[0].destination.subset']]);
    expect(body.messages[0]).toMatchObject({ level: 'Error', name: 'ReferencedResourceNotFound', origin: { kind: 'VirtualService', namespace: 'default', name: 'reviews' } });
  });

  it('judges hosts and subsets against the registry Pilot publishes', async () => {
    const kv = await new Kvm(nc).create(REGISTRY_BUCKET, { history: 1 });
    await kv.put(registryServiceKey('pilot-x', 'reviews.default.svc.cluster.local'), JSON.stringify(service('reviews')));
    await kv.put(registryWorkloadKey('pilot-x', 'default', 'stream-1'), JSON.stringify(workload('reviews-v2', 'reviews', 'v2')));
    await create(vs('ratings', 'ratings'));
    let body = (await app.inject({ method: 'GET', url: ANALYZE_PATH })).json();
    for (let i = 0; i < 200 && body.inventory.workloads === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      body = (await app.inject({ method: 'GET', url: ANALYZE_PATH })).json();
    }
    expect(body.inventory).toEqual({ available: true, services: 1, workloads: 1 });
    expect(findings(body)).toEqual([
      ['IST0127', 'DestinationRule default/reviews', 'spec.subsets[0].labels'],
      ['IST0101', 'VirtualService default/ratings', 'spec.http[0].route[0].destination.host'],
      ['IST0101', 'VirtualService default/reviews', 'spec.http[0].route[0].destination.subset'],
    ]);
    const ns = (await app.inject({ method: 'GET', url: `${ANALYZE_PATH}?namespace=other` })).json();
    expect(ns).toMatchObject({ namespace: 'other', messages: [] });
  });

  it('analyses YAML documents as if applied, with the Services and Pods they carry', async () => {
    const yaml = `
apiVersion: ${NET}
kind: DestinationRule
metadata: { name: reviews }
spec: { host: reviews, subsets: [{ name: v2, labels: { version: v2 } }] }
---
apiVersion: v1
kind: Service
metadata: { name: ratings }
spec: { selector: { app: ratings }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ratings }
---
apiVersion: ${NET}
kind: VirtualService
metadata: { name: broken, namespace: default }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews }, weight: 190 }] }] }
`;
    const res = await app.inject({ method: 'POST', url: ANALYZE_PATH, headers: { 'content-type': 'application/yaml' }, payload: yaml });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.analyzed).toEqual({ stored: 3, documents: 4 });
    expect(body.skipped).toEqual([{ index: 2, kind: 'Deployment', name: 'ratings', reason: expect.stringMatching(/not Istio config/) }]);
    expect(findings(body)).toEqual([
      ['IST0109', 'VirtualService default/broken', 'spec.hosts[0]'],
      ['IST0106', 'VirtualService default/broken', 'spec.http[0].route[0].weight'],
      ['IST0109', 'VirtualService default/reviews', 'spec.hosts[0]'],
    ]);
    // Nothing was stored.
    expect((await store.list(kindByApiVersion(NET, 'VirtualService')!)).items.map((o) => o.metadata.name)).toEqual(['ratings', 'reviews']);
  });

  it('answers a Status for a body that is not YAML and for a bad namespace', async () => {
    const bad = await app.inject({ method: 'POST', url: ANALYZE_PATH, headers: { 'content-type': 'application/yaml' }, payload: 'a: [1\n---\nb: 2' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringMatching(/document 1 of the request body is not valid YAML/) });
    const ns = await app.inject({ method: 'GET', url: `${ANALYZE_PATH}?namespace=Not_A_Label` });
    expect(ns.statusCode).toBe(400);
  });

  it('answers only users who may read the namespace reported on (every namespace: "*")', async () => {
    const scoped = buildApp({
      store,
      authenticator: new TokenAuthenticator({ anonymous: false, tokens: [{ token: 'team-a-token', user: 'team-a', roles: [{ role: 'read', namespaces: ['team-a'] }] }] }),
      logger: silentLogger(),
    });
    await analysis.registerRoutes(scoped);
    try {
      const headers = { authorization: 'Bearer team-a-token' };
      expect((await scoped.inject({ method: 'GET', url: `${ANALYZE_PATH}?namespace=team-a`, headers })).statusCode).toBe(200);
      const all = await scoped.inject({ method: 'GET', url: ANALYZE_PATH, headers });
      expect(all.statusCode).toBe(403);
      expect(all.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: expect.stringMatching(/User "team-a" cannot list .* at the cluster scope/) });
      const post = await scoped.inject({ method: 'POST', url: `${ANALYZE_PATH}?namespace=team-b`, headers: { ...headers, 'content-type': 'application/yaml' }, payload: 'kind: X' });
      expect(post.statusCode).toBe(403);
      expect((await scoped.inject({ method: 'GET', url: ANALYZE_PATH })).statusCode).toBe(401);
    } finally {
      await scoped.close();
    }
  });

  it('warns about a write with the findings it causes, and sees writes made just before it', async () => {
    const hook = (obj: ConfigResource, batch: ConfigResource[] = [obj]) =>
      analysis.admissionWarnings(obj, { operation: 'create', kind: kindByApiVersion(obj.apiVersion, obj.kind)!, dryRun: false, username: 'test', batch });
    await create(dr('details', 'details', ['v1']));
    expect(await hook(vs('details', 'details', 'v1'))).toEqual([
      expect.stringMatching(/^IST0101 \[Error\] VirtualService default\/details spec\.http\[0\]\.route\[0\]\.destination\.host: Referenced host not found: "details"/),
    ]);
    const conflicting = await hook(vs('reviews-too', 'reviews'));
    expect(conflicting.map((w) => w.split(':')[0])).toEqual(['IST0109 [Error] VirtualService default/reviews spec.hosts[0]', 'IST0109 [Error] VirtualService default/reviews-too spec.hosts[0]']);
    const fixed = [dr('reviews', 'reviews', ['v2']), vs('reviews', 'reviews', 'v2')];
    expect(await hook(fixed[1]!, fixed)).toEqual([]);
  });

  it('answers the warnings of a write through the API in Warning headers, without refusing it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices',
      payload: vs('details-canary', 'details.default.svc.cluster.local', 'v3') as unknown as Record<string, unknown>,
    });
    expect(res.statusCode).toBe(201);
    const warnings = [res.headers['warning']].flat().filter((w): w is string => typeof w === 'string');
    expect(warnings.map((w) => w.replace(/^299 - "(IST\d+ \[\w+\] \S+ \S+ [^:]+):.*$/, '$1'))).toEqual([
      'IST0101 [Error] VirtualService default/details-canary spec.http[0].route[0].destination.host',
      'IST0101 [Error] VirtualService default/details-canary spec.http[0].route[0].destination.subset',
    ]);
  });

  it('reports what an atomic batch causes on other objects once, with its first object', async () => {
    const batch = [dr('other', 'other', ['v1']), vs('reviews-again', 'reviews')];
    const ctx = { operation: 'create' as const, dryRun: true, username: 'test', batch };
    const first = await analysis.admissionWarnings(batch[0]!, { ...ctx, kind: kindByApiVersion(NET, 'DestinationRule')! });
    const second = await analysis.admissionWarnings(batch[1]!, { ...ctx, kind: kindByApiVersion(NET, 'VirtualService')! });
    expect(first.map((w) => w.split(':')[0])).toEqual(['IST0109 [Error] VirtualService default/reviews spec.hosts[0]']);
    expect(second.map((w) => w.split(':')[0])).toEqual(['IST0109 [Error] VirtualService default/reviews-again spec.hosts[0]']);
  });
});

describe('KvMeshInventory', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'inventory-test', timeoutMs: 5000, logger: silentLogger() });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('merges publishers, follows deletes, ignores invalid and expired entries', async () => {
    let now = Date.now();
    const inventory = new KvMeshInventory({ nc, logger: silentLogger(), retryMs: 50, now: () => now, maxAgeMs: 60_000 });
    inventory.start();
    try {
      await eventually(() => inventory.synced, 'the first load');
      expect(inventory.current().available).toBe(false);
      const kv = await new Kvm(nc).create(REGISTRY_BUCKET, { history: 1 });
      await kv.put(registryServiceKey('a', 'reviews.default.svc.cluster.local'), JSON.stringify(service('reviews')));
      await kv.put(registryServiceKey('b', 'reviews.default.svc.cluster.local'), JSON.stringify({ ...service('reviews'), ports: [{ name: 'grpc', port: 90, protocol: 'GRPC' }] }));
      await kv.put(registryWorkloadKey('a', 'default', 'w1'), JSON.stringify(workload('reviews-v1', 'reviews', 'v1')));
      await kv.put(registryWorkloadKey('b', 'default', 'w1'), JSON.stringify({ labels: 'broken' }));
      await eventually(() => inventory.current().workloads.length === 1 && inventory.current().services[0]?.ports.length === 2, 'the entries');
      expect(inventory.current()).toMatchObject({ available: true, services: [{ hostname: 'reviews.default.svc.cluster.local', ports: [{ port: 80 }, { port: 90 }] }] });
      await kv.delete(registryWorkloadKey('a', 'default', 'w1'));
      await eventually(() => inventory.current().workloads.length === 0, 'the delete');
      now += 61_000;
      expect(inventory.current()).toEqual({ available: true, services: [], workloads: [] });
    } finally {
      await inventory.stop();
    }
  });
});
