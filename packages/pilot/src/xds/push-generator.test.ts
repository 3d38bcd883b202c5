import type { ConfigResource } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import { config, fixtureIndex, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';
import { PartStore } from './part-store.js';
import { PushGenerator } from './push-generator.js';
import type { SharedPart } from './push-generator.js';
import { EncodeCache } from './snapshot.js';
import type { Snapshot } from './snapshot.js';

/** Two namespaces whose Sidecars keep each to itself, two services each (v1 and v2 workloads). */
function mesh(): { proxies: Proxy[]; fixture: MeshFixture } {
  const proxies: Proxy[] = [];
  let ip = 1;
  for (const ns of ['a', 'b']) for (const app of ['web', 'api']) for (const version of ['v1', 'v2']) proxies.push(workload({ name: `${app}-${version}`, app, version, ip: `10.0.0.${ip++}`, namespace: ns }));
  const configs: ConfigResource<object>[] = [];
  for (const ns of ['a', 'b']) {
    configs.push(config('Sidecar', 'default', { egress: [{ hosts: ['./*'] }] }, ns));
    for (const app of ['web', 'api']) {
      configs.push(config('DestinationRule', app, { host: app, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }, ns));
      configs.push(config('VirtualService', app, { hosts: [app], http: [{ route: [{ destination: { host: app, subset: 'v1' }, weight: 90 }, { destination: { host: app, subset: 'v2' }, weight: 10 }] }] }, ns));
    }
  }
  return { proxies, fixture: { workloads: proxies, configs } };
}

/** Each type's version and resource names: what a proxy would be sent. */
const view = (s: Snapshot): Record<string, { version: string; names: string[] }> =>
  Object.fromEntries(Object.entries(s.types).map(([t, ts]) => [t, { version: ts.version, names: ts.names }]));

/** Replaces one config object by a changed copy (the config store replaces, never mutates). */
function replace(f: MeshFixture, kind: string, ns: string, name: string, spec: object): MeshFixture {
  return { ...f, configs: f.configs!.map((c) => (c.kind === kind && c.metadata.namespace === ns && c.metadata.name === name ? { ...c, spec } : c)) };
}

describe('PushGenerator with a PartStore', () => {
  const { proxies, fixture } = mesh();
  const inA = proxies.find((p) => p.namespace === 'a')!;
  const inB = proxies.find((p) => p.namespace === 'b')!;

  /** Snapshots of every proxy through `gen`, and of a generator with nothing kept (the reference). */
  function both(gen: PushGenerator, f: MeshFixture): { kept: unknown[]; fresh: unknown[] } {
    const fresh = new PushGenerator(fixtureIndex(f));
    return { kept: proxies.map((p) => view(gen.snapshot(p, 0).snapshot)), fresh: proxies.map((p) => view(fresh.snapshot(p, 0).snapshot)) };
  }

  it('re-translates only the scope a VirtualService change is visible in, and matches a full translation', () => {
    const store = new PartStore<SharedPart>();
    const cache = new EncodeCache();
    const first = new PushGenerator(fixtureIndex(fixture), cache, store);
    proxies.forEach((p) => first.snapshot(p, 0));
    expect([store.misses, store.size]).toEqual([2, 2]);
    const changed = replace(fixture, 'VirtualService', 'a', 'web', { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v2' } }], timeout: '3s' }] });
    const second = new PushGenerator(fixtureIndex(changed), cache, store);
    const before = { a: first.partDigest(inA), b: first.partDigest(inB) };
    const { kept, fresh } = both(second, changed);
    expect(kept).toEqual(fresh);
    // Namespace b was reused (one check, no translation); a was translated again and differs.
    expect([store.hits, store.misses]).toEqual([1, 3]);
    expect(second.partDigest(inB)).toBe(before.b);
    expect(second.partDigest(inA)).not.toBe(before.a);
  });

  it('re-translates a scope whose DestinationRule lookups or endpoints changed', () => {
    const store = new PartStore<SharedPart>();
    const first = new PushGenerator(fixtureIndex(fixture), new EncodeCache(), store);
    proxies.forEach((p) => first.snapshot(p, 0));
    const drChanged = replace(fixture, 'DestinationRule', 'b', 'api', { host: 'api', trafficPolicy: { connectionPool: { tcp: { maxConnections: 7 } } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    const second = new PushGenerator(fixtureIndex(drChanged), new EncodeCache(), store);
    const r1 = both(second, drChanged);
    expect(r1.kept).toEqual(r1.fresh);
    expect([store.hits, store.misses]).toEqual([1, 3]);
    expect(second.partDigest(inB)).not.toBe(first.partDigest(inB));

    // A third workload of web in namespace a: a's load assignments change, b's part is kept.
    const moreEndpoints: MeshFixture = { ...drChanged, workloads: [...proxies, workload({ name: 'web-v3', app: 'web', version: 'v1', ip: '10.0.1.1', namespace: 'a' })] };
    const third = new PushGenerator(fixtureIndex(moreEndpoints), new EncodeCache(), store);
    const r2 = both(third, moreEndpoints);
    expect(r2.kept).toEqual(r2.fresh);
    expect([store.hits, store.misses]).toEqual([2, 4]);
    expect(third.snapshot(inB, 0).snapshot.types.ClusterLoadAssignment.resources).toBe(second.snapshot(inB, 0).snapshot.types.ClusterLoadAssignment.resources);
  });

  it('checks every scope again when a VirtualService is added, and reuses those that do not see it', () => {
    const store = new PartStore<SharedPart>();
    const first = new PushGenerator(fixtureIndex(fixture), new EncodeCache(), store);
    proxies.forEach((p) => first.snapshot(p, 0));
    const added: MeshFixture = { ...fixture, configs: [...fixture.configs!, config('VirtualService', 'api-faults', { hosts: ['api'], http: [{ fault: { abort: { httpStatus: 503, percentage: { value: 5 } } }, route: [{ destination: { host: 'api' } }] }] }, 'b', '2024-02-01T00:00:00Z')] };
    const second = new PushGenerator(fixtureIndex(added), new EncodeCache(), store);
    const { kept, fresh } = both(second, added);
    expect(kept).toEqual(fresh);
    expect([store.hits, store.misses]).toEqual([1, 3]);
    expect(second.partDigest(inA)).toBe(first.partDigest(inA));
  });

  it('keeps the types of a previous snapshot that are made of the same parts', () => {
    const store = new PartStore<SharedPart>();
    const first = new PushGenerator(fixtureIndex(fixture), new EncodeCache(), store);
    const before = first.snapshot(inA, 0);
    const changed = replace(fixture, 'VirtualService', 'a', 'api', { hosts: ['api'], http: [{ route: [{ destination: { host: 'api', subset: 'v1' } }] }] });
    const after = new PushGenerator(fixtureIndex(changed), new EncodeCache(), store).snapshot(inA, 1, before, true);
    expect(after.snapshot.types.Cluster).toBe(before.snapshot.types.Cluster);
    expect(after.snapshot.types.Listener).toBe(before.snapshot.types.Listener);
    expect(after.inbound).toBe(before.inbound);
    expect(after.snapshot.types.RouteConfiguration.version).not.toBe(before.snapshot.types.RouteConfiguration.version);
    expect(view(after.snapshot)).toEqual(view(new PushGenerator(fixtureIndex(changed)).snapshot(inA, 1).snapshot));
  });

  it('knows a proxy updated by an EDS-only push has what a later full push of the same mesh gives', () => {
    const store = new PartStore<SharedPart>();
    const first = new PushGenerator(fixtureIndex(fixture), new EncodeCache(), store).snapshot(inA, 0);
    const moved: MeshFixture = { ...fixture, workloads: [...proxies, workload({ name: 'web-v3', app: 'web', version: 'v1', ip: '10.0.1.1', namespace: 'a' })] };
    const eds = new PushGenerator(fixtureIndex(moved), new EncodeCache(), store).edsSnapshot(first, 1);
    const full = new PushGenerator(fixtureIndex(moved), new EncodeCache(), store);
    expect(full.sameAs(inA, eds)).toBe(true);
    expect(full.sameAs(inA, first)).toBe(false);
    expect(view(full.snapshot(inA, 2, eds, true).snapshot)).toEqual(view(eds.snapshot));
  });

  it('neither reads nor writes parts of an older epoch (the owner cleared the store)', () => {
    const store = new PartStore<SharedPart>();
    const stale = new PushGenerator(fixtureIndex(fixture), undefined, store);
    store.clear();
    stale.snapshot(inA, 0);
    expect(store.size).toBe(0);
    const current = new PushGenerator(fixtureIndex(fixture), undefined, store);
    current.snapshot(inA, 0);
    expect(store.size).toBe(1);
    store.retainOnly(new Set());
    expect(store.size).toBe(0);
  });
});
