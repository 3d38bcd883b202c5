import { validateResource } from './validate.js';

const vs = (spec: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'shipping', namespace: 'default' },
  spec,
  ...extra,
});

describe('validateResource', () => {
  it('accepts a weighted VirtualService and fills the namespace', () => {
    const r = validateResource({ ...vs({ hosts: ['shipping'], http: [{ route: [{ destination: { host: 'shipping', subset: 'v1' }, weight: 100 }] }] }), metadata: { name: 'x' } });
    expect(r.ok).toBe(true);
    expect(r.ok && r.value.metadata.namespace).toBe('default');
  });

  it.each(['v1alpha3', 'v1beta1', 'v1'])('accepts DestinationRule at networking.istio.io/%s', (v) => {
    const r = validateResource({ apiVersion: `networking.istio.io/${v}`, kind: 'DestinationRule', metadata: { name: 'd' }, spec: { host: 'a', subsets: [{ name: 'v1', labels: { version: 'v1' } }] } });
    expect(r).toMatchObject({ ok: true, value: { kind: 'DestinationRule' } });
  });

  it.each([
    [vs({ hosts: ['a'], http: [{ route: [{ destination: { host: 'a' }, weight: 'ten' }] }] }), 'spec.http[0].route[0].weight', 'must be an integer'],
    [vs({ hosts: ['a'], http: [{ route: [{ destination: { host: 'a' }, weight: 101 }] }] }), 'spec.http[0].route[0].weight', 'must be <= 100'],
    [vs({ hosts: ['a'], http: [{ rout: [] }] }), 'spec.http[0].rout', 'unknown field (check its spelling and the apiVersion)'],
    [vs({ hosts: ['a'], http: [{ route: [{ destination: {} }] }] }), 'spec.http[0].route[0].destination.host', 'required field is missing'],
    [vs({ hosts: ['a'], http: [{ timeout: 'soon', route: [{ destination: { host: 'a' } }] }] }), 'spec.http[0].timeout', 'must be a duration such as "1s", "250ms" or "1.5s"'],
    [vs({ hosts: ['a'], http: [{ match: [{ uri: { exact: '/a', prefix: '/' } }], route: [{ destination: { host: 'a' } }] }] }), 'spec.http[0].match[0].uri', 'set exactly one of exact, prefix or regex'],
    [vs({ hosts: 'a' }), 'spec.hosts', 'must be an array'],
    [vs({}, { metadata: { name: 'Bad_Name' } }), 'metadata.name', expect.stringContaining('DNS-1123 subdomain')],
    [vs({}, { metadata: { name: 'a', namespace: 'a.b' } }), 'metadata.namespace', expect.stringContaining('DNS-1123 label')],
    [vs({}, { apiVersion: 'networking.istio.io/v2' }), 'kind', expect.stringContaining('use one of networking.istio.io/v1alpha3')],
    [vs(undefined), 'spec.hosts', expect.any(String)],
    [vs([]), 'spec', 'must be an object'],
    [{ apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', metadata: { name: 'd' }, spec: { subsets: [{ labels: {} }] } }, 'spec.host', 'required field is missing'],
  ])('rejects invalid input %#, naming %s', (input, field, message) => {
    const r = validateResource(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message });
  });

  it('reports every violation, not just the first', () => {
    const r = validateResource(vs({ hosts: ['a'], http: [{ rout: 1, route: [{ destination: {}, weight: -1 }] }] }));
    expect(!r.ok && r.errors.map((e) => e.field).sort()).toEqual(['spec.http[0].rout', 'spec.http[0].route[0].destination.host', 'spec.http[0].route[0].weight']);
  });

  it('rejects a non-object document', () => {
    expect(validateResource('hello')).toEqual({ ok: false, errors: [{ field: '(document)', message: expect.any(String) }] });
  });
});
