import { validateResource } from '../../config/validate.js';

const doc = (kind: string, spec: unknown) => ({ apiVersion: 'config.istio.io/v1alpha2', kind, metadata: { name: 'x', namespace: 'istio-system' }, spec });

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

describe('config.istio.io rule, instance, handler, attributemanifest (Istio 1.4)', () => {
  it.each([
    ['a rule', doc('rule', { match: 'destination.labels["app"] == "ratings"', actions: [{ handler: 'denier', instances: ['nothing'] }] })],
    ['a rule without match', doc('rule', { actions: [{ handler: 'h', instances: ['i.metric'] }] })],
    ['a rule with header operations', doc('rule', { request_header_operations: [{ name: 'x-a', values: ['source.name | "?"'] }] })],
    ['a metric instance', doc('instance', { compiledTemplate: 'metric', params: { value: '1', dimensions: { source: 'source.workload.name | "unknown"' }, monitored_resource_type: '"UNSPECIFIED"' } })],
    ['an out-of-process instance', doc('instance', { template: 'keyval', params: { key: 'request.headers["user"] | ""' } })],
    ['attribute bindings', doc('instance', { compiledTemplate: 'kubernetes', params: {}, attribute_bindings: { 'source.ip': '$out.source_pod_ip | ip("0.0.0.0")' } })],
    ['a prometheus handler', doc('handler', { compiledAdapter: 'prometheus', params: { metrics: [{ name: 'n', instance_name: 'm.instance.istio-system', kind: 'COUNTER', label_names: ['a'] }] } })],
    ['an out-of-process handler', doc('handler', { adapter: 'keyval', connection: { address: 'keyval:9070' }, params: { table: {} } })],
    ['an attribute manifest', doc('attributemanifest', { name: 'istio-proxy', attributes: { 'source.ip': { valueType: 'IP_ADDRESS' }, 'request.size': { value_type: 2 } } })],
    ['an adapter descriptor', doc('adapter', { description: null, session_based: false, templates: ['metric'], config: 'CsgCCh5taXhl' })],
  ])('accepts %s', (_, input) => {
    expect(validateResource(input)).toMatchObject({ ok: true });
  });

  it.each([
    [doc('rule', { match: 'request.headers["clnt"] ==', actions: [] }), 'spec.match', 'at position 27'],
    [doc('rule', { match: 'request.path', actions: [] }), 'spec.match', 'must be a boolean expression'],
    [doc('rule', { actions: [{ instances: ['i'] }] }), 'spec.actions[0].handler', 'must name the handler'],
    [doc('rule', { actions: [{ handler: 'h' }] }), 'spec.actions[0].instances', 'at least one instance'],
    [doc('rule', { actions: [{ handler: 'h', instances: [''] }] }), 'spec.actions[0].instances[0]', 'must name an instance'],
    [doc('rule', { badField: 'foo' }), 'spec.badField', 'unknown field'],
    [doc('instance', { params: {} }), 'spec.compiledTemplate', 'set compiledTemplate'],
    [doc('instance', { compiledTemplate: 'nosuch' }), 'spec.compiledTemplate', 'unknown template "nosuch"'],
    [doc('instance', { compiledTemplate: 'metric', params: { valu: '1' } }), 'spec.params.valu', 'unknown field'],
    [doc('instance', { compiledTemplate: 'listentry', params: { value: 1 } }), 'spec.params.value', 'must be a string'],
    [doc('instance', { compiledTemplate: 'listentry', params: { value: 'source.name |' } }), 'spec.params.value', 'invalid expression'],
    [doc('instance', { compiledTemplate: 'metric', params: { dimensions: { a: 'nosuch()' } } }), 'spec.params.dimensions.a', 'unknown function'],
    [doc('instance', { compiledTemplate: 'checknothing', params: { x: 'a' } }), 'spec.params.x', 'unknown field'],
    [doc('instance', { template: 't', attributeBindings: { 'a.b': '$out.x |' } }), 'spec.attributeBindings["a.b"]', 'invalid expression'],
    [doc('handler', { params: {} }), 'spec.compiledAdapter', 'set compiledAdapter'],
    [doc('handler', { compiledAdapter: 'nosuch' }), 'spec.compiledAdapter', 'unknown adapter "nosuch"'],
    [doc('handler', { compiledAdapter: 0 }), 'spec.compiledAdapter', 'must be a string'],
    [doc('handler', { compiledAdapter: 'denier', params: { status: { code: 'seven' } } }), 'spec.params.status.code', 'must be an integer'],
    [doc('handler', { adapter: 'a', connection: { authentication: { tls: {}, mutual: {} } } }), 'spec.connection.authentication.mutual', 'set only one of tls, mutual'],
    [doc('attributemanifest', { attributes: { 'origin.uid': { valueType: 'BAD_TYPE' } } }), 'spec.attributes["origin.uid"].valueType', 'must be one of VALUE_TYPE_UNSPECIFIED'],
    [doc('attributemanifest', { attributes: { 'origin.uid': { description: 'no type' } } }), 'spec.attributes["origin.uid"].valueType', 'must be a known value type'],
    [doc('attributemanifest', { attributes: { a: { valueType: 'VALUE_TYPE_UNSPECIFIED' } } }), 'spec.attributes.a.valueType', 'must be a known value type'],
    [doc('adapter', { description: 0 }), 'spec.description', 'must be a string'],
    [doc('adapter', { config: 'not base64!' }), 'spec.config', 'base64'],
    [doc('template', { prescriptor: 0 }), 'spec.prescriptor', 'unknown field'],
  ])('rejects %j at %s', (input, field, message) => {
    expect(errorsOf(input)).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each([
    [doc('rule', { match: 'true' }), 'spec.actions: the rule has no actions or header operations, so it does nothing'],
    [doc('handler', { compiledAdapter: 'denier', adapter: 'denier' }), 'spec.adapter: is ignored because compiledAdapter is set'],
    [doc('instance', { compiledTemplate: 'checknothing', template: 'x' }), 'spec.template: is ignored because compiledTemplate is set'],
  ])('warns about %j', (input, warning) => {
    const r = validateResource(input);
    expect(r.ok && r.warnings).toEqual([warning]);
  });
});
