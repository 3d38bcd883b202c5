import { KINDS, MeshError } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { ConfigStore } from '../store/config-store.js';
import { KvConfigStore } from '../store/kv-config-store.js';
import { originAnnotations } from './ownership.js';
import type { Origin } from './ownership.js';
import { SourceWriter } from './source-writer.js';

const VS = KINDS.find((k) => k.kind === 'VirtualService')!;
const FILE_A: Origin = { source: 'directory', file: 'a.yaml' };
const vs = (name: string, host = name, origin: Origin = FILE_A): ConfigResource => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name, namespace: 'default', annotations: originAnnotations(origin) },
  spec: { hosts: [host] },
});

/** A store that fails its `failAt`-th write (counting creates, replaces and deletes). */
function failingStore(inner: ConfigStore, failAt: number): ConfigStore {
  let writes = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'create' && prop !== 'replace' && prop !== 'delete') return value.bind(target);
      return (...args: unknown[]) => (++writes === failAt ? Promise.reject(new MeshError('UNAVAILABLE', 'injected')) : value.apply(target, args));
    },
  });
}

describe('SourceWriter', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let store: KvConfigStore;
  let n = 0;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'source-writer-test', timeoutMs: 5000, logger: silentLogger() });
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });
  beforeEach(async () => {
    store = await KvConfigStore.open({ nc, logger: silentLogger(), bucket: `source-writer-${++n}` });
  });
  afterEach(() => store.close());

  const writer = (s: ConfigStore = store) => new SourceWriter({ store: s, source: 'directory', logger: silentLogger() });
  const hosts = async (name: string) => (await store.get(VS, 'default', name))?.spec['hosts'];

  it('creates, updates only on a real change, and leaves objects of other owners alone', async () => {
    const w = writer();
    expect(await w.upsert(VS, vs('a'), FILE_A)).toBe('created');
    const rv = (await store.get(VS, 'default', 'a'))!.metadata.resourceVersion;
    expect(await w.upsert(VS, vs('a'), FILE_A)).toBe('unchanged');
    expect((await store.get(VS, 'default', 'a'))!.metadata.resourceVersion).toBe(rv);
    expect(await w.upsert(VS, vs('a', 'a2'), FILE_A)).toBe('updated');
    expect(await w.upsert(VS, vs('a', 'other', { source: 'directory', file: 'b.yaml' }), { source: 'directory', file: 'b.yaml' })).toBe('conflict');
    expect(await w.remove(VS, 'default', 'a', { source: 'kubernetes' })).toBe('not-owned');
    expect(await hosts('a')).toEqual(['a2']);
    expect(await w.remove(VS, 'default', 'a', FILE_A)).toBe('deleted');
    expect(await w.remove(VS, 'default', 'a', FILE_A)).toBe('absent');
  });

  it('applies a batch, and refuses the whole batch before writing when one object has another owner', async () => {
    await store.create(VS, { ...vs('api-owned'), metadata: { name: 'api-owned', namespace: 'default' } });
    const refused = await writer().applyBatch([{ kind: VS, upsert: vs('new') }, { kind: VS, upsert: vs('api-owned') }], FILE_A);
    expect(refused).toEqual({ ok: false, conflicts: [{ kind: 'VirtualService', namespace: 'default', name: 'api-owned', owner: 'api' }] });
    expect(await store.get(VS, 'default', 'new')).toBeUndefined();
    expect(await writer().applyBatch([{ kind: VS, upsert: vs('new') }, { kind: VS, delete: { namespace: 'default', name: 'api-owned' } }], FILE_A)).toEqual({
      ok: true,
      created: 1,
      updated: 0,
      deleted: 0,
      unchanged: 0,
    });
    expect(await store.get(VS, 'default', 'api-owned')).toBeDefined();
  });

  it.each([1, 2, 3])('undoes the writes already made when write %i of a batch fails', async (failAt) => {
    await writer().applyBatch([{ kind: VS, upsert: vs('keep') }, { kind: VS, upsert: vs('drop') }], FILE_A);
    const before = (await store.list(VS)).items.map((o) => [o.metadata.name, o.spec]);
    const changes = [
      { kind: VS, upsert: vs('keep', 'changed') },
      { kind: VS, upsert: vs('added') },
      { kind: VS, delete: { namespace: 'default', name: 'drop' } },
    ];
    await expect(writer(failingStore(store, failAt)).applyBatch(changes, FILE_A)).rejects.toThrow('injected');
    expect((await store.list(VS)).items.map((o) => [o.metadata.name, o.spec])).toEqual(before);
  });
});
