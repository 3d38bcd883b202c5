import { TypeUrls } from '@mesh/shared-api';
import type { GeneratedResources } from '../translate/resources.js';
import { buildSnapshot, snapshotInconsistencies } from './snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';

function generated(edsNames: string[], claNames: string[], rdsNames: string[], routeNames: string[]): GeneratedResources {
  return {
    Cluster: edsNames.map((name) => ({ name, type: 'EDS', eds_cluster_config: { service_name: name } })),
    ClusterLoadAssignment: claNames.map((cluster_name) => ({ cluster_name })),
    Listener: rdsNames.map((n) => ({ name: `l${n}`, filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': TypeUrls.HttpConnectionManager, stat_prefix: 's', rds: { route_config_name: n } } }] }] })),
    RouteConfiguration: routeNames.map((name) => ({ name })),
  };
}

describe('snapshots', () => {
  it('versions each type by content', () => {
    const a = buildSnapshot(generated(['c1'], ['c1'], ['80'], ['80']), 0);
    const b = buildSnapshot(generated(['c1'], ['c1'], ['80'], ['80']), 1);
    const c = buildSnapshot(generated(['c1', 'c2'], ['c1', 'c2'], ['80'], ['80']), 2);
    expect(a.types.Cluster.version).toBe(b.types.Cluster.version);
    expect(a.types.Cluster.version).not.toBe(c.types.Cluster.version);
    expect(a.types.Listener.version).toBe(c.types.Listener.version);
    expect(c.types.Cluster.names).toEqual(['c1', 'c2']);
  });

  it('finds dangling and unreferenced EDS and RDS names', () => {
    expect(snapshotInconsistencies(buildSnapshot(generated(['c1'], ['c1'], ['80'], ['80']), 0))).toEqual([]);
    expect(snapshotInconsistencies(buildSnapshot(generated(['c1', 'c2'], ['c1', 'c3'], ['80'], ['81']), 0))).toEqual([
      'ClusterLoadAssignment "c2" is referenced but not generated',
      'ClusterLoadAssignment "c3" is generated but not referenced',
      'RouteConfiguration "80" is referenced but not generated',
      'RouteConfiguration "81" is generated but not referenced',
    ]);
  });

  it('refuses to publish an inconsistent snapshot and keeps the previous one', () => {
    const cache = new SnapshotCache();
    const good = buildSnapshot(generated(['c1'], ['c1'], [], []), 0);
    const seen: unknown[] = [];
    cache.watch('p', (s) => seen.push(s));
    expect(cache.set('p', good)).toEqual({ ok: true });
    expect(cache.set('p', buildSnapshot(generated(['c1'], [], [], []), 0))).toMatchObject({ ok: false });
    expect(cache.get('p')).toBe(good);
    expect(seen).toEqual([good]);
    cache.clear('p');
    expect(cache.get('p')).toBeUndefined();
  });
});
