import path from 'node:path';
import { convertServiceEntries } from '../model/service-entry.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../model/networking-specs.js';
import { config, golden, named, translate, wireProblems, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';

const TESTDATA = path.join(__dirname, 'testdata', 'service-entry');
const sleep = workload({ name: 'sleep-1', app: 'sleep', ip: '10.1.0.1', ports: [] });

function mesh(entries: [string, ServiceEntrySpec][], workloadEntries: [string, WorkloadEntrySpec][] = []): MeshFixture {
  const ses = entries.map(([n, s]) => config('ServiceEntry', n, s));
  const wes = workloadEntries.map(([n, s]) => config('WorkloadEntry', n, s));
  const model = convertServiceEntries(ses, wes);
  return { workloads: [sleep], services: model.services, endpoints: model.endpoints, configs: [...ses, ...wes] };
}

/** One case per ServiceEntry resolution; the golden holds the entry's clusters and endpoints. */
const cases: [string, MeshFixture][] = [
  ['resolution-none', mesh([['httpbin-ext', { hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'NONE', location: 'MESH_EXTERNAL' }]])],
  [
    'resolution-static',
    mesh([['vm-svc', { hosts: ['vm.example.internal'], addresses: ['240.0.0.1'], ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', location: 'MESH_INTERNAL', endpoints: [{ address: '10.2.0.1', labels: { version: 'v1' } }, { address: '10.2.0.2', ports: { http: 18080 }, weight: 3, locality: 'us-east1/us-east1-b' }] }]]),
  ],
  ['resolution-dns', mesh([['google', { hosts: ['www.google.com'], ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS' }], ['db', { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp-pg', protocol: 'TCP' }], resolution: 'DNS', endpoints: [{ address: 'db-1.example.com' }, { address: 'db-2.example.com' }] }]])],
  [
    'workload-entries',
    mesh(
      [['details-vm', { hosts: ['details.vm.svc'], ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', location: 'MESH_INTERNAL', workloadSelector: { labels: { app: 'details' } } }]],
      [['details-1', { address: '10.3.0.1', labels: { app: 'details', 'security.istio.io/tlsMode': 'istio' }, serviceAccount: 'details' }], ['other', { address: '10.3.0.9', labels: { app: 'other' } }]],
    ),
  ],
];

const entryResources = (f: MeshFixture): unknown => {
  const out = translate(sleep, f);
  const external = (n: unknown): boolean => !String(n).endsWith('.svc.cluster.local');
  return { Cluster: out.Cluster.filter((c) => external(c['name'])), ClusterLoadAssignment: out.ClusterLoadAssignment.filter((c) => external(c['cluster_name'])) };
};

describe('ServiceEntry and WorkloadEntry translation', () => {
  it.each(cases)('%s matches its golden clusters and endpoints', (name, f) => {
    const { expected, actual } = golden(TESTDATA, name, entryResources(f));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(sleep, f))).toEqual([]);
  });

  it('converts hosts, resolution, location, exportTo and endpoints', () => {
    const m = convertServiceEntries(
      [config('ServiceEntry', 'se', { hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 80, name: 'http' }], resolution: 'STATIC', exportTo: ['.'], endpoints: [{ address: '1.1.1.1' }] }, 'ns1')],
      [],
    );
    expect(m.services.map((s) => [s.hostname, s.namespace, s.resolution, s.meshExternal, s.exportTo])).toEqual([
      ['a.example.com', 'ns1', 'ClientSideLB', true, ['.']],
      ['b.example.com', 'ns1', 'ClientSideLB', true, ['.']],
    ]);
    expect(m.endpoints.map((e) => [e.hostname, e.address, e.port])).toEqual([
      ['a.example.com', '1.1.1.1', 80],
      ['b.example.com', '1.1.1.1', 80],
    ]);
  });

  it('routes HTTP to a NONE ServiceEntry through an ORIGINAL_DST cluster (no EDS)', () => {
    const out = translate(sleep, cases[0]![1]);
    expect(named(out.Cluster, 'outbound|80||httpbin.org')).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    expect(out.ClusterLoadAssignment.map((c) => c['cluster_name'])).not.toContain('outbound|80||httpbin.org');
  });
});
