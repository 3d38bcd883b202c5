import fs from 'node:fs';
import path from 'node:path';
import { serviceFqdn } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { pilotKindByName } from '../model/kinds.js';
import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, VirtualServiceSpec, WorkloadEntrySpec } from '../model/networking-specs.js';
import type { Proxy } from '../model/proxy.js';
import { convertServiceEntries } from '../model/service-entry.js';
import type { Service, ServiceEndpoint } from '../model/service.js';
import { conformanceDir, readYamlDocuments } from '../testing/conformance.js';
import { DOMAIN, translate, wireProblems, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';

/** The Istio objects of one corpus file that Pilot translates, with namespaces defaulted as kubectl would. */
function pilotObjects(file: string): ConfigResource<object>[] {
  return readYamlDocuments(file)
    .filter((d): d is ConfigResource<object> => typeof d === 'object' && d !== null && typeof (d as ConfigResource).kind === 'string' && typeof (d as ConfigResource).apiVersion === 'string')
    .filter((d) => pilotKindByName(d.apiVersion, d.kind) !== undefined && typeof d.spec === 'object' && d.spec !== null)
    .map((d, i) => ({ ...d, metadata: { ...d.metadata, name: d.metadata?.name ?? `unnamed-${i}`, namespace: d.kind === 'MeshPolicy' ? undefined : (d.metadata?.namespace ?? 'default'), creationTimestamp: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z` } }));
}

/**
 * Services and endpoints for every host the objects name (Kubernetes would have them): each with
 * the ports the objects use (80 by default) and one endpoint per subset label set.
 */
function syntheticRegistry(objects: readonly ConfigResource<object>[]): { services: Service[]; endpoints: ServiceEndpoint[] } {
  const ports = new Map<string, Set<number>>();
  const labels = new Map<string, Record<string, string>[]>();
  const add = (host: string | undefined, ns: string, port?: number): string | undefined => {
    if (!host || host.includes('*') || host.includes('/')) return undefined;
    const fqdn = host.includes('.') ? host : serviceFqdn(host, ns, DOMAIN);
    const set = ports.get(fqdn) ?? new Set<number>([80]);
    if (port) set.add(port);
    ports.set(fqdn, set);
    return fqdn;
  };
  for (const o of objects) {
    const ns = o.metadata.namespace ?? 'default';
    if (o.kind === 'VirtualService') {
      const vs = o.spec as VirtualServiceSpec;
      for (const h of vs.hosts ?? []) add(h, ns);
      const dests = [...(vs.http ?? []).flatMap((r) => [...(r.route ?? []).map((d) => d.destination), ...(r.mirror ? [r.mirror] : [])]), ...(vs.tcp ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination)), ...(vs.tls ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination))];
      for (const d of dests) add(d?.host, ns, d?.port?.number);
    }
    if (o.kind === 'DestinationRule') {
      const dr = o.spec as DestinationRuleSpec;
      const fqdn = add(dr.host, ns);
      if (fqdn) labels.set(fqdn, [...(labels.get(fqdn) ?? []), ...(dr.subsets ?? []).map((s) => s.labels ?? {})]);
    }
  }
  const seHosts = new Set(objects.filter((o) => o.kind === 'ServiceEntry').flatMap((o) => (o.spec as ServiceEntrySpec).hosts ?? []));
  const services: Service[] = [];
  const endpoints: ServiceEndpoint[] = [];
  let ip = 1;
  for (const [host, set] of ports) {
    if (seHosts.has(host)) continue;
    const parts = host.split('.');
    const svcPorts = [...set].sort((a, b) => a - b).map((port) => ({ name: port === 443 ? 'https' : port === 3306 || port === 27017 ? 'tcp' : 'http', port, protocol: (port === 443 ? 'HTTPS' : port === 3306 || port === 27017 ? 'TCP' : 'HTTP') as Service['ports'][number]['protocol'] }));
    services.push({ hostname: host, name: parts[0]!, namespace: parts[1] ?? 'default', ports: svcPorts });
    for (const l of [{}, ...(labels.get(host) ?? [])]) {
      const address = `10.${Math.floor(ip / 250)}.${ip % 250}.1`;
      ip++;
      for (const p of svcPorts) endpoints.push({ hostname: host, servicePort: p.port, address, port: p.port, labels: l, workloadId: address, tlsMode: 'istio', serviceAccount: 'default' });
    }
  }
  return { services, endpoints };
}

/** The proxies to translate for: a sidecar per namespace used, a gateway per Gateway selector. */
function proxiesFor(objects: readonly ConfigResource<object>[]): Proxy[] {
  const namespaces = new Set(['default', ...objects.map((o) => o.metadata.namespace ?? 'default')]);
  const sidecars = [...namespaces].map((ns, i) =>
    workload({ name: `client-${i}`, app: 'client', ip: `10.200.0.${i + 1}`, namespace: ns, ports: [{ name: 'http', port: 8080, endpointPort: 15006, targetPort: 8080, protocol: 'HTTP' }, { name: 'tcp', port: 9000, endpointPort: 15007, targetPort: 9000, protocol: 'TCP' }] }),
  );
  const gateways = objects
    .filter((o) => o.kind === 'Gateway')
    .map((g, i) => workload({ name: `gateway-${i}`, app: 'gateway', ip: `10.201.0.${i + 1}`, namespace: g.metadata.namespace ?? 'default', labels: (g.spec as GatewaySpec).selector ?? {}, ports: [], type: 'router' }));
  return [...sidecars, ...gateways];
}

function fixtureFor(objects: ConfigResource<object>[]): MeshFixture {
  const ses = objects.filter((o) => o.kind === 'ServiceEntry') as ConfigResource<ServiceEntrySpec>[];
  const wes = objects.filter((o) => o.kind === 'WorkloadEntry') as ConfigResource<WorkloadEntrySpec>[];
  const se = convertServiceEntries(ses, wes);
  const synthetic = syntheticRegistry(objects);
  return { services: [...se.services, ...synthetic.services], endpoints: [...se.endpoints, ...synthetic.endpoints], configs: objects };
}

const dir = conformanceDir();
const files = dir ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
const withObjects = files.map((f) => [f, pilotObjects(path.join(dir!, f))] as const).filter(([, objs]) => objs.length > 0);
const valid = withObjects.filter(([f]) => !f.includes('invalid'));
const invalid = withObjects.filter(([f]) => f.includes('invalid'));

describe('the Istio conformance corpus translates', () => {
  it('finds the corpus and the files with networking and security objects', () => {
    expect(files.length).toBeGreaterThan(400);
    expect(valid.length).toBeGreaterThan(100);
  });

  it.each(valid.map(([f, o]) => [f, o]))('%s: valid xDS for every proxy', (_f, objects) => {
    const f = fixtureFor(objects as ConfigResource<object>[]);
    const problems: string[] = [];
    for (const proxy of proxiesFor(objects as ConfigResource<object>[])) problems.push(...wireProblems(translate(proxy, f)).map((p) => `${proxy.id}: ${p}`));
    expect(problems).toEqual([]);
  });

  // Validation's negative examples: Galley refuses them, but translation must never throw on them.
  it.each(invalid.map(([f, o]) => [f, o]))('%s (invalid on purpose): no exception', (_f, objects) => {
    const f = fixtureFor(objects as ConfigResource<object>[]);
    for (const proxy of proxiesFor(objects as ConfigResource<object>[])) expect(() => translate(proxy, f)).not.toThrow();
  });
});
