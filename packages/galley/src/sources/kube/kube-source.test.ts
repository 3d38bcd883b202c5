import { KubeConfig } from '@kubernetes/client-node';
import { KINDS } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { KvConfigStore } from '../../store/kv-config-store.js';
import { FakeKubeApi } from '../../testing/fake-kube-api.js';
import { Backoff } from '../backoff.js';
import { SOURCE_ANNOTATION } from '../ownership.js';
import type { SourceMetrics } from '../source-metrics.js';
import { ClientNodeResourceClient } from './kube-api.js';
import { KubeSource } from './kube-source.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const DR = KINDS.find((k) => k.kind === 'DestinationRule')!;
const vs = (name: string, hosts: unknown = [name], namespace = 'default') => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name, namespace, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
  spec: { hosts, http: [{ route: [{ destination: { host: name } }] }] },
});

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function recordingMetrics() {
  const counts: Record<string, number> = {};
  const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const metrics: SourceMetrics = {
    recordWrite: (s, k, op) => bump(`write:${k}:${op}`),
    recordRejected: (s, k) => bump(`rejected:${k}`),
    recordConflict: (s, k) => bump(`conflict:${k}`),
    recordFileRejected: () => bump('file-rejected'),
    recordWatchRestart: (k, reason) => bump(`restart:${k}:${reason}`),
  };
  return { counts, metrics };
}

describe('KubeSource', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let api: FakeKubeApi;
  let store: KvConfigStore;
  let source: KubeSource | undefined;
  let bucketN = 0;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'kube-source-test', timeoutMs: 5000, logger: silentLogger() });
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    store = await KvConfigStore.open({ nc, logger: silentLogger(), bucket: `kube-source-${++bucketN}` });
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    store.close();
    await api.stop();
  });

  function start(metrics?: SourceMetrics, kinds = [VS, DR]): KubeSource {
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
    source = new KubeSource({ client: new ClientNodeResourceClient(kc), store, logger: silentLogger(), metrics, kinds, backoff: () => new Backoff(10, 50), missingCrdRetryMs: 100 });
    source.start();
    return source;
  }
  const stored = (name: string, namespace = 'default') => store.get(VS, namespace, name);
  const watchRequests = () => api.requests.filter((r) => r.includes('watch=true') && r.includes('/virtualservices'));
  const listRequests = () => api.requests.filter((r) => !r.includes('watch=true') && r.includes('/virtualservices'));

  it('lists existing objects, stores the valid ones with their origin, and counts the invalid ones', async () => {
    api.apply(vs('a'));
    api.apply(vs('b', 'not-a-list', 'prod'));
    const { counts, metrics } = recordingMetrics();
    await start(metrics).waitForSync(5000);
    const a = await stored('a');
    expect(a?.metadata.annotations).toEqual({ [SOURCE_ANNOTATION]: 'kubernetes' });
    expect(a?.spec['hosts']).toEqual(['a']);
    expect(a?.metadata.uid).not.toBe('uid-101'); // Galley's own server-managed metadata, not the cluster's
    expect(await stored('b', 'prod')).toBeUndefined();
    expect(counts['rejected:VirtualService']).toBe(1);
    expect(counts['write:VirtualService:create']).toBe(1);
  });

  it('follows ADDED, MODIFIED and DELETED events', async () => {
    await start().waitForSync(5000);
    api.apply(vs('c'));
    await until('c stored', async () => (await stored('c')) !== undefined);
    api.apply({ ...vs('c'), spec: { hosts: ['c', 'c2'], http: [{ route: [{ destination: { host: 'c' } }] }] } });
    await until('c updated', async () => ((await stored('c'))?.spec['hosts'] as string[]).length === 2);
    api.delete(vs('c'));
    await until('c deleted', async () => (await stored('c')) === undefined);
  });

  it('never overwrites or deletes an object the API owns, and counts the conflict', async () => {
    const mine = await store.create(VS, { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'owned', namespace: 'default' }, spec: { hosts: ['api'], http: [{ route: [{ destination: { host: 'api' } }] }] } });
    api.apply(vs('owned'));
    const { counts, metrics } = recordingMetrics();
    await start(metrics).waitForSync(5000);
    expect(counts['conflict:VirtualService']).toBe(1);
    api.delete(vs('owned'));
    api.apply(vs('marker'));
    await until('marker stored', async () => (await stored('marker')) !== undefined);
    expect(await stored('owned')).toEqual(mine);
  });

  it('resumes a watch the server ended from the last resourceVersion it saw', async () => {
    await start().waitForSync(5000);
    api.apply(vs('d'));
    await until('d stored', async () => (await stored('d')) !== undefined);
    const lastRv = api.apply({ ...vs('d'), spec: { hosts: ['d2'], http: [{ route: [{ destination: { host: 'd' } }] }] } }).metadata['resourceVersion'];
    await until('d updated', async () => ((await stored('d'))?.spec['hosts'] as string[])[0] === 'd2');
    api.endWatches();
    await until('a new watch', () => watchRequests().length >= 2);
    expect(watchRequests()[1]).toContain(`resourceVersion=${String(lastRv)}`);
    expect(listRequests()).toHaveLength(1);
  });

  it.each(['event', 'http'] as const)('lists again on 410 Gone (as an %s) and catches up, including deletions it missed', async (goneAs) => {
    api.goneAs = goneAs;
    api.apply(vs('keep'));
    api.apply(vs('gone'));
    const { counts, metrics } = recordingMetrics();
    await start(metrics).waitForSync(5000);
    await until('gone stored', async () => (await stored('gone')) !== undefined);
    // Changes while the watch is down, then the history is compacted away.
    await until('watch open', () => api.openWatches >= 2);
    api.endWatches();
    api.delete(vs('gone'));
    api.apply(vs('new'));
    api.compact();
    await until('new stored', async () => (await stored('new')) !== undefined);
    await until('gone deleted', async () => (await stored('gone')) === undefined);
    expect(await stored('keep')).toBeDefined();
    expect(listRequests().length).toBeGreaterThanOrEqual(2);
    expect(counts['restart:VirtualService:relist-410']).toBeGreaterThanOrEqual(1);
  });

  it('lists again when a watch is expired with an ERROR event', async () => {
    await start().waitForSync(5000);
    await until('watch open', () => api.openWatches >= 2);
    api.expireWatches();
    api.apply(vs('after-expiry'));
    await until('after-expiry stored', async () => (await stored('after-expiry')) !== undefined);
    expect(listRequests().length).toBeGreaterThanOrEqual(2);
  });

  it('backs off and retries when the API server fails, then syncs', async () => {
    api.apply(vs('e'));
    api.failNext(500, 3);
    const { counts, metrics } = recordingMetrics();
    await start(metrics).waitForSync(5000);
    expect(await stored('e')).toBeDefined();
    expect(Object.entries(counts).filter(([k]) => k.endsWith(':error')).reduce((n, [, v]) => n + v, 0)).toBe(3);
  });

  it('gives up on a list the server does not answer within the request timeout, and retries', async () => {
    api.apply(vs('slow'));
    api.stallNext(1);
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
    source = new KubeSource({ client: new ClientNodeResourceClient(kc), store, logger: silentLogger(), kinds: [VS], requestTimeoutMs: 200, backoff: () => new Backoff(10, 50) });
    source.start();
    await source.waitForSync(5000);
    expect(await stored('slow')).toBeDefined();
    expect(listRequests()).toHaveLength(2);
  });

  it('uses the first version the cluster serves, and counts a kind whose CRD is missing as synced', async () => {
    api.serveVersions('networking.istio.io', 'virtualservices', ['v1beta1']);
    api.serveVersions('networking.istio.io', 'destinationrules', []);
    api.apply(vs('f'));
    await start().waitForSync(5000);
    expect((await stored('f'))?.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(listRequests().some((r) => r.includes('/v1beta1/'))).toBe(true);
  });

  it('mirrors cluster-scoped kinds (MeshPolicy), and keeps them across a re-list', async () => {
    const MP = KINDS.find((k) => k.kind === 'MeshPolicy')!;
    const mp = { apiVersion: 'authentication.istio.io/v1alpha1', kind: 'MeshPolicy', metadata: { name: 'default' }, spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] } };
    api.apply(mp);
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
    source = new KubeSource({ client: new ClientNodeResourceClient(kc), store, logger: silentLogger(), kinds: [MP], backoff: () => new Backoff(10, 50) });
    source.start();
    await source.waitForSync(5000);
    expect((await store.get(MP, undefined, 'default'))?.metadata.namespace).toBeUndefined();
    await until('watch open', () => api.openWatches >= 1);
    api.expireWatches();
    await until('re-listed', () => api.requests.filter((r) => r.includes('/meshpolicies') && !r.includes('watch=true')).length >= 2);
    await until('watch open again', () => api.openWatches >= 1);
    expect(await store.get(MP, undefined, 'default')).toBeDefined();
    api.delete(mp);
    await until('deleted', async () => (await store.get(MP, undefined, 'default')) === undefined);
  });

  it('reads a list page by page', async () => {
    for (let i = 0; i < 7; i++) api.apply(vs(`p${i}`));
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
    source = new KubeSource({ client: new ClientNodeResourceClient(kc), store, logger: silentLogger(), kinds: [VS], pageSize: 3 });
    source.start();
    await source.waitForSync(5000);
    expect((await store.list(VS)).items.map((o: ConfigResource) => o.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(listRequests()).toHaveLength(3);
  });
});
