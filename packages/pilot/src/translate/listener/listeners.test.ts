import path from 'node:path';
import { convertServiceEntries } from '../../model/service-entry.js';
import type { ServiceEntrySpec, VirtualServiceSpec } from '../../model/networking-specs.js';
import { config, golden, translate, wireProblems, workload } from '../../testing/translate-fixtures.js';
import type { MeshFixture } from '../../testing/translate-fixtures.js';

const TESTDATA = path.join(__dirname, '..', 'testdata', 'listeners');

const sleep = workload({ name: 'sleep-1', app: 'sleep', version: 'v1', ip: '10.1.0.1', ports: [] });
const tcpEcho = ['v1', 'v2'].map((v, i) => workload({ name: `tcp-echo-${v}`, app: 'tcp-echo', version: v, ip: `10.1.3.${i + 1}`, ports: [{ name: 'tcp', port: 9000, endpointPort: 15006, targetPort: 9000, protocol: 'TCP' }] }));
const echoDr = config('DestinationRule', 'tcp-echo', { host: 'tcp-echo', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });

/** A mesh with ServiceEntries converted as the ServiceEntry registry does. */
function withEntries(entries: [string, ServiceEntrySpec][], vs: [string, VirtualServiceSpec][] = [], extra: MeshFixture = {}): MeshFixture {
  const ses = entries.map(([name, spec]) => config('ServiceEntry', name, spec));
  const model = convertServiceEntries(ses, []);
  return { workloads: [sleep, ...tcpEcho, ...(extra.workloads ?? [])], services: model.services, endpoints: model.endpoints, configs: [...ses, ...vs.map(([n, s]) => config('VirtualService', n, s)), echoDr, ...(extra.configs ?? [])], ...(extra.settings ? { settings: extra.settings } : {}) };
}

const wikipedia: [string, ServiceEntrySpec] = ['wikipedia', { hosts: ['*.wikipedia.org'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'NONE' }];
const google: [string, ServiceEntrySpec] = ['google', { hosts: ['www.google.com'], ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS' }];
const mysql: [string, ServiceEntrySpec] = ['mysql', { hosts: ['mysql.example.com'], addresses: ['192.168.9.9'], ports: [{ number: 3306, name: 'tcp', protocol: 'TCP' }], resolution: 'STATIC', endpoints: [{ address: '10.9.0.1' }, { address: '10.9.0.2', ports: { tcp: 13306 }, labels: { 'security.istio.io/tlsMode': 'istio' }, locality: 'us-east/zone-a' }] }];

/** One case per listener feature; the golden file holds every listener of the client sidecar. */
const cases: [string, MeshFixture][] = [
  ['tcp-default', withEntries([])],
  ['tcp-weighted-route', withEntries([], [['tcp-echo', { hosts: ['tcp-echo'], tcp: [{ match: [{ port: 9000 }], route: [{ destination: { host: 'tcp-echo', subset: 'v1' }, weight: 80 }, { destination: { host: 'tcp-echo', subset: 'v2' }, weight: 20 }] }] }]])],
  ['tcp-destination-subnets', withEntries([mysql], [['mysql', { hosts: ['mysql.example.com'], tcp: [{ match: [{ destinationSubnets: ['192.168.9.0/24'] }], route: [{ destination: { host: 'mysql.example.com' } }] }] }]])],
  ['tls-sni-routes', withEntries([wikipedia, google], [['wiki', { hosts: ['*.wikipedia.org'], tls: [{ match: [{ port: 443, sniHosts: ['en.wikipedia.org'] }], route: [{ destination: { host: 'www.google.com', port: { number: 443 } } }] }] }]])],
  ['catch-all-allow-any', withEntries([], [], { settings: { outboundTrafficPolicy: 'ALLOW_ANY' } })],
];

describe('outbound TCP and TLS listeners (Istio 1.4 listener.go)', () => {
  it.each(cases)('%s matches its golden listeners', (name, f) => {
    const { expected, actual } = golden(TESTDATA, name, translate(sleep, f).Listener);
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(sleep, f))).toEqual([]);
  });

  it('answers unknown hosts with 502 under REGISTRY_ONLY and adds the catch-all clusters', () => {
    const out = translate(sleep, withEntries([google], [], { settings: { outboundTrafficPolicy: 'REGISTRY_ONLY' } }));
    expect(out.Cluster.map((c) => c['name'])).toEqual(expect.arrayContaining(['BlackHoleCluster', 'PassthroughCluster']));
    expect(out.Listener.find((l) => l['name'] === 'virtualOutbound')).toBeDefined();
  });

  it('lets a DNS ServiceEntry resolve its host with a STRICT_DNS cluster', () => {
    const c = translate(sleep, withEntries([google])).Cluster.find((x) => x['name'] === 'outbound|443||www.google.com');
    expect(c).toMatchObject({ type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY', load_assignment: { cluster_name: 'outbound|443||www.google.com' } });
  });
});
