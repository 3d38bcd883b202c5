import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { CONFIG_BUCKET, configKey, KINDS, MeshError } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { canonicalJson } from '../store/canonical-json.js';
import { KvConfigStore } from '../store/kv-config-store.js';
import { sampleDestinationRule as dr, sampleVirtualService as vs } from '../testing/sample-objects.js';
import { ApplyJournal } from './apply-journal.js';
import { APPLY_LOCK_BUCKET, ApplyLock } from './apply-lock.js';
import { AtomicApplier, BatchWriteError } from './atomic-apply.js';
import type { AtomicStore, PreparedDocument } from './atomic-apply.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const DR = KINDS.find((k) => k.kind === 'DestinationRule')!;
const doc = (index: number, obj: Record<string, unknown>, namespace: string): PreparedDocument => {
  const o = obj as unknown as ConfigResource;
  return { index, kind: o.kind === 'VirtualService' ? VS : DR, version: 'v1alpha3', object: { ...o, metadata: { ...o.metadata, namespace } } };
};

/** The live objects of a namespace, without server-managed fields, for before/after comparisons. */
async function contentOf(store: KvConfigStore, namespace: string): Promise<string> {
  const items = [...(await store.list(VS, namespace)).items, ...(await store.list(DR, namespace)).items];
  return canonicalJson(items.map((o) => ({ kind: o.kind, name: o.metadata.name, labels: o.metadata.labels, spec: o.spec })));
}

describe('AtomicApplier', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let store: KvConfigStore;
  let applier: AtomicApplier;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'atomic-test', timeoutMs: 5000, logger: silentLogger() });
    store = await KvConfigStore.open({ nc, logger: silentLogger() });
    applier = await AtomicApplier.open({ nc, store, logger: silentLogger() });
  });
  afterAll(async () => {
    store.close();
    await nc.close();
    await nats.stop();
  });

  it('creates, then reports unchanged, then configures only what changed', async () => {
    const docs = [doc(0, dr('a'), 'ap1'), doc(1, vs('a'), 'ap1')];
    expect((await applier.apply(docs, { dryRun: false })).map((r) => r.action)).toEqual(['created', 'created']);
    const again = await applier.apply(docs, { dryRun: false });
    expect(again.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    const changed = await applier.apply([docs[0]!, doc(1, vs('a', { subset: 'v2' }), 'ap1')], { dryRun: false });
    expect(changed.map((r) => r.action)).toEqual(['unchanged', 'configured']);
    expect(Number(changed[1]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(again[1]!.object.metadata.resourceVersion));
  });

  it('writes nothing in a dry run', async () => {
    const before = await contentOf(store, 'ap2');
    const r = await applier.apply([doc(0, vs('a'), 'ap2'), doc(1, vs('b'), 'ap2')], { dryRun: true });
    expect(r.map((x) => x.action)).toEqual(['created', 'created']);
    expect(await contentOf(store, 'ap2')).toBe(before);
  });

  it('undoes every write of the batch when one write fails, leaving the namespace as it was', async () => {
    await applier.apply([doc(0, vs('keep', { subset: 'v1' }), 'ap3')], { dryRun: false });
    const before = await contentOf(store, 'ap3');
    const failing: AtomicStore = Object.assign(Object.create(store) as KvConfigStore, {
      create: async (kind: typeof VS, obj: ConfigResource, opts: object) => {
        if (obj.metadata.name === 'boom') throw new MeshError('UNAVAILABLE', 'simulated NATS failure');
        return store.create(kind, obj, opts);
      },
    });
    const a2 = new AtomicApplier(failing, await ApplyLock.open(jetstream(nc), { owner: 't', logger: silentLogger() }), await ApplyJournal.open(jetstream(nc)), silentLogger(), 't');
    const err = await a2
      .apply([doc(0, vs('keep', { subset: 'v2' }), 'ap3'), doc(1, vs('new-1'), 'ap3'), doc(2, vs('boom'), 'ap3'), doc(3, dr('new-2'), 'ap3')], { dryRun: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchWriteError);
    expect(err).toMatchObject({ index: 2, undone: true, error: { code: 'UNAVAILABLE' } });
    expect(await contentOf(store, 'ap3')).toBe(before);
  });

  it('fails with a conflict and undoes the batch when another writer changes a document meanwhile', async () => {
    await applier.apply([doc(0, vs('x'), 'ap4'), doc(1, vs('y'), 'ap4')], { dryRun: false });
    const racing: AtomicStore = Object.assign(Object.create(store) as KvConfigStore, {
      replace: async (kind: typeof VS, obj: ConfigResource, opts: object) => {
        if (obj.metadata.name === 'y') {
          const current = (await store.get(kind, 'ap4', 'y'))!;
          await store.replace(kind, { ...current, metadata: { ...current.metadata, labels: { by: 'someone-else' } } });
        }
        return store.replace(kind, obj, opts);
      },
    });
    const a2 = new AtomicApplier(racing, await ApplyLock.open(jetstream(nc), { owner: 't', logger: silentLogger() }), await ApplyJournal.open(jetstream(nc)), silentLogger(), 't');
    const err = (await a2.apply([doc(0, vs('x', { subset: 'v2' }), 'ap4'), doc(1, vs('y', { subset: 'v2' }), 'ap4')], { dryRun: false }).catch((e: unknown) => e)) as BatchWriteError;
    expect(err).toMatchObject({ index: 1, undone: true, error: { code: 'CONFLICT' } });
    const x = (await store.get(VS, 'ap4', 'x'))!;
    const y = (await store.get(VS, 'ap4', 'y'))!;
    expect((x.spec as { http: Array<{ route: Array<{ destination: { subset: string } }> }> }).http[0]!.route[0]!.destination.subset).toBe('v1');
    expect(y.metadata.labels).toEqual({ by: 'someone-else' });
  });

  it('undoes, at the next lock holder, a batch whose Galley crashed before committing', async () => {
    await applier.apply([doc(0, vs('old', { subset: 'v1' }), 'ap5'), doc(1, vs('later'), 'ap5')], { dryRun: false });
    const before = await contentOf(store, 'ap5');
    const journal = await ApplyJournal.open(jetstream(nc));
    const old = await store.state(VS, 'ap5', 'old');
    const fresh = await store.state(VS, 'ap5', 'fresh');
    const never = await store.state(VS, 'ap5', 'never');
    const later = await store.state(VS, 'ap5', 'later');
    const entry = (s: typeof old) => ({ group: VS.group, plural: VS.plural, key: s.key, prev: s.revision, prevLive: s.object !== undefined });
    // The crashed batch journaled four objects and wrote three of them.
    await journal.record({ batch: 'crashed', owner: 'gone', entries: [entry(old), entry(fresh), entry(never), entry(later)] });
    await store.replace(VS, { ...(vs('old', { subset: 'v2' }) as unknown as ConfigResource), metadata: { name: 'old', namespace: 'ap5', resourceVersion: String(old.revision) } }, { batch: 'crashed' });
    await store.create(VS, { ...(vs('fresh') as unknown as ConfigResource), metadata: { name: 'fresh', namespace: 'ap5' } }, { batch: 'crashed', expectedRevision: fresh.revision });
    await store.replace(VS, { ...(vs('later', { subset: 'v2' }) as unknown as ConfigResource), metadata: { name: 'later', namespace: 'ap5', resourceVersion: String(later.revision) } }, { batch: 'crashed' });
    // ... and someone else then changed one of them: that newer write stands.
    const afterCrash = (await store.get(VS, 'ap5', 'later'))!;
    await store.replace(VS, { ...afterCrash, metadata: { ...afterCrash.metadata, labels: { newer: 'yes' } } });
    expect(never.revision).toBe(0);

    expect(await applier.recover()).toBe(1);
    expect(await journal.isEmpty()).toBe(true);
    expect(await store.get(VS, 'ap5', 'fresh')).toBeUndefined();
    expect(canonicalJson((await store.get(VS, 'ap5', 'old'))!.spec)).toBe(canonicalJson(vs('old', { subset: 'v1' })['spec']));
    expect((await store.get(VS, 'ap5', 'later'))!.metadata.labels).toEqual({ newer: 'yes' });
    expect(await contentOf(store, 'ap5')).not.toBe(before); // only because of the newer write to "later"
    expect(await applier.recover()).toBe(0);
  });

  it('waits for a lock left by a crashed holder to expire (bucket TTL), then proceeds', async () => {
    const nats2 = await NatsServerProcess.start();
    const nc2 = await connectNats({ url: nats2.url, name: 'lock-test', timeoutMs: 5000, logger: silentLogger() });
    try {
      const store2 = await KvConfigStore.open({ nc: nc2, logger: silentLogger() });
      const a = await AtomicApplier.open({ nc: nc2, store: store2, logger: silentLogger(), timing: { leaseMs: 1000, waitMs: 10_000 } });
      // A holder that took the lock and died: nobody renews or releases it.
      await (await new Kvm(nc2).open(APPLY_LOCK_BUCKET)).create('apply', JSON.stringify({ owner: 'dead' }));
      const started = Date.now();
      const r = await a.apply([doc(0, vs('after-expiry'), 'ap6')], { dryRun: false });
      expect(r[0]!.action).toBe('created');
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      store2.close();
    } finally {
      await nc2.close();
      await nats2.stop();
    }
  });

  it('serializes concurrent batches from two replicas: each is all-or-nothing and none is lost', async () => {
    const storeB = await KvConfigStore.open({ nc, logger: silentLogger() });
    const replicaB = await AtomicApplier.open({ nc, store: storeB, logger: silentLogger(), owner: 'replica-b' });
    const batches = Array.from({ length: 10 }, (_, i) =>
      (i % 2 === 0 ? applier : replicaB).apply(
        [doc(0, vs('shared', { labels: { batch: String(i) } }), 'ap7'), doc(1, dr('shared', {}), 'ap7'), doc(2, vs(`own-${i}`), 'ap7')],
        { dryRun: false },
      ),
    );
    const results = await Promise.all(batches);
    expect(results.every((r) => r.length === 3)).toBe(true);
    expect(results.filter((r) => r[0]!.action === 'created')).toHaveLength(1);
    const shared = (await store.get(VS, 'ap7', 'shared'))!;
    const last = results.reduce((max, r) => (Number(r[0]!.object.metadata.resourceVersion) > Number(max[0]!.object.metadata.resourceVersion) ? r : max));
    expect(shared.metadata.resourceVersion).toBe(last[0]!.object.metadata.resourceVersion);
    expect((await store.list(VS, 'ap7')).items).toHaveLength(11);
    const kv = await new Kvm(nc).open(CONFIG_BUCKET);
    expect((await kv.get(configKey(VS, 'ap7', 'own-9')))!.operation).toBe('PUT');
    storeB.close();
  });
});
