import { validateResource } from '../../config/validate.js';

const doc = (kind: string, spec: unknown) => ({ apiVersion: 'config.istio.io/v1alpha2', kind, metadata: { name: 'x', namespace: 'default' }, spec });

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

const attrs = { attributes: { 'api.service': { stringValue: 'bookinfo' } } };

describe('Mixer client config (HTTPAPISpec, QuotaSpec, bindings; Istio 1.4)', () => {
  it.each([
    ['an HTTPAPISpec', doc('HTTPAPISpec', { attributes: attrs, patterns: [{ attributes: attrs, httpMethod: 'GET', uriTemplate: '/productpage' }], apiKeys: [{ query: 'key' }] })],
    ['an HTTPAPISpecBinding', doc('HTTPAPISpecBinding', { services: [{ name: 'productpage', namespace: 'default' }], api_specs: [{ name: 'spec' }] })],
    ['a QuotaSpec', doc('QuotaSpec', { rules: [{ match: [{ clause: { 'api.operation': { exact: 'getProducts' } } }], quotas: [{ charge: 1, quota: 'read-requests' }] }] })],
    ['a QuotaSpecBinding by FQDN', doc('QuotaSpecBinding', { services: [{ service: 'ratings.default.svc.cluster.local' }], quotaSpecs: [{ name: 'q', namespace: 'istio-system' }] })],
  ])('accepts %s', (_, input) => {
    expect(validateResource(input)).toMatchObject({ ok: true });
  });

  it.each([
    [doc('HTTPAPISpec', { apiKeys: [{ query: 'key' }] }), 'spec.patterns', 'at least one pattern'],
    [doc('HTTPAPISpec', { patterns: [{ uriTemplate: '/a' }] }), 'spec.patterns[0].httpMethod', 'must be set'],
    [doc('HTTPAPISpec', { patterns: [{ httpMethod: 'GET', uriTemplate: '/a', regex: '/b' }] }), 'spec.patterns[0].regex', 'set only one of uriTemplate, regex'],
    [doc('HTTPAPISpec', { patterns: [{ httpMethod: 'GET', uriTemplate: '' }] }), 'spec.patterns[0].uriTemplate', 'must not be empty'],
    [doc('HTTPAPISpec', { attributes: { attributes: {} }, patterns: [{ httpMethod: 'GET' }] }), 'spec.attributes.attributes', 'at least one attribute'],
    [doc('HTTPAPISpec', { attributes: { attributes: { a: { stringValue: '' } } }, patterns: [{ httpMethod: 'GET' }] }), 'spec.attributes.attributes.a.stringValue', 'must not be empty'],
    [doc('HTTPAPISpec', { patterns: [{ httpMethod: 'GET' }], apiKeys: [{ query: 'a', header: 'b' }] }), 'spec.apiKeys[0].header', 'set only one of query, header, cookie'],
    [doc('HTTPAPISpecBinding', { services: null }), 'spec.services', 'at least one service'],
    [doc('HTTPAPISpecBinding', { services: [{ name: 'a' }] }), 'spec.apiSpecs', 'at least one spec'],
    [doc('HTTPAPISpecBinding', { services: [{}], apiSpecs: [{ name: 'a' }] }), 'spec.services[0]', 'needs name (short name) or service (FQDN)'],
    [doc('HTTPAPISpecBinding', { services: [{ name: 'a', service: 'a.b' }], apiSpecs: [{ name: 'a' }] }), 'spec.services[0].service', 'either name or service'],
    [doc('HTTPAPISpecBinding', { services: [{ name: 'a.b' }], apiSpecs: [{ name: 'a' }] }), 'spec.services[0].name', 'short name'],
    [doc('HTTPAPISpecBinding', { services: [{ name: 'a' }], apiSpecs: [{ namespace: 'x' }] }), 'spec.apiSpecs[0].name', 'must name the referenced spec'],
    [doc('QuotaSpec', { quota: null }), 'spec.quota', 'unknown field'],
    [doc('QuotaSpec', {}), 'spec.rules', 'at least one rule'],
    [doc('QuotaSpec', { rules: [{ quotas: [{ quota: 'q', charge: 0 }] }] }), 'spec.rules[0].quotas[0].charge', 'positive'],
    [doc('QuotaSpec', { rules: [{ quotas: [{ charge: 1 }] }] }), 'spec.rules[0].quotas[0].quota', 'must name the quota'],
    [doc('QuotaSpec', { rules: [{}] }), 'spec.rules[0].quotas', 'at least one quota'],
    [doc('QuotaSpec', { rules: [{ match: [{ clause: { a: { exact: '' } } }], quotas: [{ quota: 'q', charge: 1 }] }] }), 'spec.rules[0].match[0].clause.a.exact', 'must not be empty'],
    [doc('QuotaSpecBinding', { services: null }), 'spec.quotaSpecs', 'at least one spec'],
  ])('rejects %j at %s', (input, field, message) => {
    expect(errorsOf(input)).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});
