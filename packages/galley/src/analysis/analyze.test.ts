import { parseAllDocuments } from 'yaml';
import type { ConfigResource } from '@mesh/shared-api';
import { analysisInput } from './analysis-input.js';
import { admissionMessages, analyze } from './analyze.js';
import { formatMessage } from './messages.js';
import type { AnalysisSnapshot } from './snapshot.js';
import { CompositeMeshInventory, StaticMeshInventory } from './mesh-inventory.js';
import { UNKNOWN_INVENTORY } from './snapshot.js';

const CONFIG = `
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }] }
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: ratings, namespace: prod }
spec: { hosts: [ratings], http: [{ route: [{ destination: { host: nowhere } }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: prod }
spec: { ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v1-abc, namespace: default, labels: { app: reviews, version: v1 } }
`;

function snapshot(text: string): AnalysisSnapshot {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const input = analysisInput(docs, 'default', 'cluster.local');
  return { config: input.resources, inventory: input.inventory, domainSuffix: 'cluster.local' };
}

describe('analyze', () => {
  it('runs every analyzer and sorts by namespace, resource and field', () => {
    expect(analyze(snapshot(CONFIG)).map((m) => [m.code, m.resource, m.field])).toEqual([
      ['IST0101', 'VirtualService default/reviews', 'spec.http[0].route[0].destination.subset'],
      ['IST0101', 'VirtualService prod/ratings', 'spec.http[0].route[0].destination.host'],
    ]);
  });

  it('reports only the namespace asked for, while still reading every namespace', () => {
    expect(analyze(snapshot(CONFIG), { namespace: 'prod' }).map((m) => m.resource)).toEqual(['VirtualService prod/ratings']);
  });

  it('skips analyzers that need the inventory while no inventory source has answered', () => {
    const s = { ...snapshot(CONFIG), inventory: UNKNOWN_INVENTORY };
    expect(analyze(s).map((m) => m.field)).toEqual(['spec.http[0].route[0].destination.subset']);
  });

  it('formats a message as one Warning-header line', () => {
    const [m] = analyze(snapshot(CONFIG), { namespace: 'prod' });
    expect(formatMessage(m!)).toMatch(/^IST0101 \[Error\] VirtualService prod\/ratings spec\.http\[0\]\.route\[0\]\.destination\.host: Referenced host not found: "nowhere"\./);
  });
});

describe('admissionMessages', () => {
  const vs = (name: string, ns: string, host: string) =>
    `---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: { name: ${name}, namespace: ${ns} }\nspec: { hosts: [${host}], http: [{ route: [{ destination: { host: ${host} } }] }] }\n`;
  const before = snapshot(CONFIG);
  const written = (text: string) => snapshot(text).config as ConfigResource[];
  const dr = (subset: string) =>
    `apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: { name: reviews, namespace: default }\nspec: { host: reviews, subsets: [{ name: ${subset}, labels: { version: ${subset} } }] }\n`;

  it('returns the messages about the written object, not those about others that were there before', () => {
    const out = admissionMessages(before, written(vs('details', 'default', 'details')));
    expect(out.map((m) => [m.code, m.resource, m.field])).toEqual([['IST0101', 'VirtualService default/details', 'spec.http[0].route[0].destination.host']]);
  });

  it('adds the messages the write caused on other objects, such as the other side of a host conflict', () => {
    const out = admissionMessages(before, written(vs('reviews-2', 'default', 'reviews')));
    expect(out.map((m) => [m.code, m.resource, m.field])).toEqual([
      ['IST0109', 'VirtualService default/reviews', 'spec.hosts[0]'],
      ['IST0109', 'VirtualService default/reviews-2', 'spec.hosts[0]'],
    ]);
  });

  it('returns nothing for a clean write that replaces an object', () => {
    expect(admissionMessages(before, written(vs('reviews', 'default', 'reviews')))).toEqual([]);
  });

  it('judges the VirtualServices a DestinationRule write affects: what it breaks is reported, what it fixes is not', () => {
    const withV1 = { ...before, config: [...(before.config as ConfigResource[]), ...written(dr('v1'))] };
    expect(admissionMessages(before, written(dr('v1')))).toEqual([]);
    const broken = admissionMessages(withV1, written(dr('v2')));
    expect(broken.map((m) => [m.code, m.resource, m.field])).toEqual([
      ['IST0127', 'DestinationRule default/reviews', 'spec.subsets[0].labels'],
      ['IST0101', 'VirtualService default/reviews', 'spec.http[0].route[0].destination.subset'],
    ]);
  });
});

describe('analysisInput', () => {
  it('sorts documents into config, inventory and skipped, defaulting the namespace', () => {
    const input = analysisInput(
      [
        { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: { name: 'gw' }, spec: {} },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'x' } } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } },
        'text',
        { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: {} },
      ],
      'team',
      'cluster.local',
    );
    expect(input.resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name])).toEqual([['Gateway', 'team', 'gw']]);
    expect(input.inventory.workloads.map((w) => [w.namespace, w.name, w.labels])).toEqual([['team', 'p', { app: 'x' }]]);
    expect(input.skipped.map((s) => [s.index, s.kind, s.reason])).toEqual([
      [2, 'Deployment', expect.stringMatching(/not Istio config/)],
      [3, '', 'not an object'],
      [4, 'Gateway', 'metadata.name or kind is missing'],
    ]);
  });
});

describe('CompositeMeshInventory', () => {
  it('merges its sources, and hands out the same snapshot until one of them changes', () => {
    const a = { available: true, services: [], workloads: [{ name: 'w', namespace: 'default', labels: {}, addresses: [], services: [], source: 'kubernetes' }] };
    const b = new StaticMeshInventory({ available: false, services: [], workloads: [] });
    let current = a;
    const composite = new CompositeMeshInventory([{ current: () => current }, b]);
    const first = composite.current();
    expect(first).toMatchObject({ available: true, workloads: [{ name: 'w' }] });
    expect(composite.current()).toBe(first);
    current = { ...a, workloads: [] };
    expect(composite.current()).toEqual({ available: true, services: [], workloads: [] });
  });
});
