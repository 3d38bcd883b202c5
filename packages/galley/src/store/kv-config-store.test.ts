import { Kvm } from '@nats-io/kv';
import { CONFIG_BUCKET, configKey, KINDS, MeshError } from '@mesh/shared-api';
import type { ConfigEvent, ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { ConfigEventPublisher } from './config-event-publisher.js';
import { CONFIG_BUCKET_HISTORY, KvConfigStore } from './kv-config-store.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const obj = (name: string, namespace: string, subset = 'v1', meta: Partial<ConfigResource['metadata']> = {}): ConfigResource => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name, namespace, ...meta },
  spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a', subset } }] }] },
});

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MeshError)) throw new Error(`expected a MeshError, got ${String(err)}`);
  return err;
}

describe('KvConfigStore', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let store: KvConfigStore;
  const published: ConfigEvent[] = [];
  const publisher: ConfigEventPublisher = { publish: (e) => published.push(e) };
  const now = new Date('2024-05-06T07:08:09.123Z');

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'store-test', timeoutMs: 5000, logger: silentLogger() });
    store = await KvConfigStore.open({ nc, logger: silentLogger(), publisher, now: () => now });
  });
  afterAll(async () => {
    store.close();
    await nc.close();
    await nats.stop();
  });

  it('creates the bucket with enough history and stores objects without their resourceVersion', async () => {
    const kv = await new Kvm(nc).open(CONFIG_BUCKET);
    expect((await kv.status()).history).toBe(CONFIG_BUCKET_HISTORY);
    expect(CONFIG_BUCKET_HISTORY).toBeGreaterThanOrEqual(5);
    const created = await store.create(VS, obj('raw', 'ns1'));
    const entry = await kv.get(configKey(VS, 'ns1', 'raw'));
    expect(entry!.revision).toBe(Number(created.metadata.resourceVersion));
    const raw = entry!.json<ConfigResource>();
    expect(raw.metadata).toEqual({ name: 'raw', namespace: 'ns1', uid: created.metadata.uid, creationTimestamp: '2024-05-06T07:08:09Z', generation: 1 });
    expect(store.isOpen).toBe(true);
  });

  it('re-creates a deleted object with a new identity', async () => {
    const first = await store.create(VS, obj('again', 'ns2'));
    const deleted = await store.delete(VS, 'ns2', 'again');
    expect(Number(deleted.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(await store.get(VS, 'ns2', 'again')).toBeUndefined();
    const second = await store.create(VS, obj('again', 'ns2'));
    expect(second.metadata.uid).not.toBe(first.metadata.uid);
    expect(second.metadata.generation).toBe(1);
  });

  it('lets exactly one of two concurrent replaces from the same revision win', async () => {
    const base = await store.create(VS, obj('race', 'ns3'));
    const other = await KvConfigStore.open({ nc, logger: silentLogger(), publisher });
    const results = await Promise.allSettled([store.replace(VS, { ...base, spec: { hosts: ['x'] } }), other.replace(VS, { ...base, spec: { hosts: ['y'] } })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: 'CONFLICT' });
    const stored = await store.get(VS, 'ns3', 'race');
    expect(stored).toEqual((won[0] as PromiseFulfilledResult<ConfigResource>).value);
    expect(stored!.metadata.generation).toBe(2);
  });

  it('rejects a stale, foreign or mismatched-uid write and changes nothing', async () => {
    const v1 = await store.create(VS, obj('cas', 'ns4'));
    const v2 = await store.replace(VS, { ...v1, spec: { hosts: ['b'] } });
    expect((await rejection(store.replace(VS, { ...v1, spec: { hosts: ['c'] } }))).code).toBe('CONFLICT');
    expect((await rejection(store.replace(VS, { ...v2, metadata: { ...v2.metadata, uid: 'someone-else' } }))).message).toContain('Precondition failed: UID');
    expect((await rejection(store.delete(VS, 'ns4', 'cas', { resourceVersion: v1.metadata.resourceVersion }))).code).toBe('CONFLICT');
    expect((await rejection(store.create(VS, obj('cas', 'ns4')))).code).toBe('ALREADY_EXISTS');
    expect(await store.get(VS, 'ns4', 'cas')).toEqual(v2);
  });

  it('answers NOT_FOUND for replacing or deleting a missing object', async () => {
    expect((await rejection(store.replace(VS, obj('none', 'ns5')))).code).toBe('NOT_FOUND');
    expect((await rejection(store.delete(VS, 'ns5', 'none'))).message).toBe('virtualservices.networking.istio.io "none" not found');
  });

  it('announces each write once, with the revision it was stored at', async () => {
    published.length = 0;
    const a = await store.create(VS, obj('ev', 'ns6'));
    const b = await store.replace(VS, { ...a, spec: { hosts: ['z'] } });
    const c = await store.delete(VS, 'ns6', 'ev');
    await rejection(store.delete(VS, 'ns6', 'ev'));
    expect(published.map((e) => [e.type, e.revision])).toEqual([
      ['ADDED', Number(a.metadata.resourceVersion)],
      ['MODIFIED', Number(b.metadata.resourceVersion)],
      ['DELETED', Number(c.metadata.resourceVersion)],
    ]);
    expect(published[2]!.object).toEqual(c);
    expect(c.spec).toEqual({ hosts: ['z'] });
  });

  it('lists by namespace and across namespaces, sorted, at a revision no older than its items', async () => {
    await store.create(VS, obj('b', 'list-x'));
    await store.create(VS, obj('a', 'list-y'));
    await store.create(VS, obj('a', 'list-x'));
    const x = await store.list(VS, 'list-x');
    expect(x.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    const all = await store.list(VS);
    const names = all.items.filter((o) => o.metadata.namespace!.startsWith('list-')).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(['list-x/a', 'list-x/b', 'list-y/a']);
    expect(Math.max(...all.items.map((o) => Number(o.metadata.resourceVersion)))).toBeLessThanOrEqual(Number(all.resourceVersion));
    const empty = await store.list(KINDS.find((k) => k.kind === 'DestinationRule')!, 'list-x');
    expect(empty.items).toEqual([]);
  });

  it('checks dry-run writes like real ones but writes and announces nothing', async () => {
    published.length = 0;
    const before = (await store.revisionWindow()).last;
    const dry = await store.create(VS, obj('dry', 'ns7'), { dryRun: true });
    expect(dry.metadata.resourceVersion).toBeUndefined();
    const real = await store.create(VS, obj('dry2', 'ns7'));
    expect((await rejection(store.create(VS, obj('dry2', 'ns7'), { dryRun: true }))).code).toBe('ALREADY_EXISTS');
    expect((await store.replace(VS, { ...real, spec: { hosts: ['q'] } }, { dryRun: true })).spec).toEqual({ hosts: ['q'] });
    expect(await store.delete(VS, 'ns7', 'dry2', {}, { dryRun: true })).toEqual(real);
    expect((await store.revisionWindow()).last).toBe(before + 1);
    expect(published).toHaveLength(1);
    expect(await store.get(VS, 'ns7', 'dry2')).toEqual(real);
  });

  it('stores cluster-scoped kinds without a namespace', async () => {
    const MESH_POLICY = KINDS.find((k) => !k.namespaced)!;
    const created = await store.create(MESH_POLICY, { apiVersion: `${MESH_POLICY.group}/${MESH_POLICY.versions[0]}`, kind: MESH_POLICY.kind, metadata: { name: 'default' }, spec: {} });
    expect(created.metadata.namespace).toBeUndefined();
    expect(await store.get(MESH_POLICY, undefined, 'default')).toEqual(created);
    expect((await store.list(MESH_POLICY, 'any-namespace')).items).toEqual([created]);
    await store.delete(MESH_POLICY, undefined, 'default');
  });

  it('watches: a snapshot as ADDED then changes typed by operation; a resumed watch sends only later changes', async () => {
    const a = await store.create(VS, obj('w-a', 'ns8'));
    const snapshot = await store.watch(VS, 'ns8', { snapshot: true });
    const resumed = await store.watch(VS, 'ns8', { afterRevision: Number(a.metadata.resourceVersion) });
    const b = await store.create(VS, obj('w-b', 'ns8'));
    await store.replace(VS, { ...b, spec: { hosts: ['b2'] } });
    await store.delete(VS, 'ns8', 'w-a');
    const take = async (w: typeof snapshot, n: number): Promise<string[]> => {
      const out: string[] = [];
      for await (const e of w) {
        out.push(`${e.type} ${e.object.metadata.name}`);
        if (out.length === n) break;
      }
      w.stop();
      return out;
    };
    expect(await take(snapshot, 4)).toEqual(['ADDED w-a', 'ADDED w-b', 'MODIFIED w-b', 'DELETED w-a']);
    expect(await take(resumed, 3)).toEqual(['ADDED w-b', 'MODIFIED w-b', 'DELETED w-a']);
  });

  it('tags batch writes so recovery can find them, and restores with compare-and-set', async () => {
    const base = await store.create(VS, obj('batch', 'ns9'));
    const key = configKey(VS, 'ns9', 'batch');
    const changed = await store.replace(VS, { ...base, spec: { hosts: ['new'] } }, { batch: 'b-1' });
    expect(await store.writeAfter(key, Number(base.metadata.resourceVersion))).toEqual({ revision: Number(changed.metadata.resourceVersion), batch: 'b-1', deleted: false });
    expect((await rejection(store.restore(VS, key, changed, base, Number(base.metadata.resourceVersion), 'b-1'))).code).toBe('CONFLICT');
    await store.restore(VS, key, changed, base, Number(changed.metadata.resourceVersion), 'b-1');
    expect((await store.get(VS, 'ns9', 'batch'))!.spec).toEqual(base.spec);
    expect(await store.valueAt(key, Number(base.metadata.resourceVersion))).toEqual(base);
  });

  it('reports UNAVAILABLE once its NATS connection is gone', async () => {
    const nc2 = await connectNats({ url: nats.url, name: 'store-test-2', timeoutMs: 5000, logger: silentLogger() });
    const s2 = await KvConfigStore.open({ nc: nc2, logger: silentLogger(), publisher });
    await nc2.close();
    const err = await rejection(s2.get(VS, 'ns1', 'raw'));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.httpStatus).toBe(503);
  });
});
