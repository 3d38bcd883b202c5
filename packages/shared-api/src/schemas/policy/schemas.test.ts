import Ajv from 'ajv';
import { POLICY_KINDS } from '../../config/kinds-policy.js';
import { ADAPTER_PARAMS, OTHER_ADAPTERS } from './adapters.js';
import { POLICY_SCHEMAS } from './index.js';
import { OTHER_TEMPLATES, TEMPLATE_PARAMS } from './templates.js';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });

const EXAMPLES: Record<string, { valid: unknown; invalid: unknown; at: string }> = {
  rule: { valid: { match: 'true', actions: [{ handler: 'h', instances: ['i'] }], sampling: { random: { percent_sampled: { numerator: 1, denominator: 'HUNDRED' } } } }, invalid: { actions: [{ handler: 1 }] }, at: '/actions/0/handler' },
  instance: { valid: { compiled_template: 'metric', params: { value: '1' }, attribute_bindings: { a: 'b' } }, invalid: { zarams: {} }, at: '' },
  handler: { valid: { compiled_adapter: 'denier', params: {}, connection: { address: 'a:1', timeout: '1s' } }, invalid: { connection: { timeout: 'soon' } }, at: '/connection/timeout' },
  attributemanifest: { valid: { name: 'm', attributes: { 'a.b': { value_type: 'STRING' } } }, invalid: { attributes: { a: { valueType: 'TEXT' } } }, at: '/attributes/a/valueType' },
  adapter: { valid: { name: 'a', templates: ['t'], session_based: true }, invalid: { description: 0 }, at: '/description' },
  template: { valid: { descriptor: 'AAAA' }, invalid: { prescriptor: 0 }, at: '' },
  HTTPAPISpec: { valid: { patterns: [{ http_method: 'GET', uri_template: '/a' }], api_keys: [{ header: 'x' }] }, invalid: { patterns: [{ httpMethod: 1 }] }, at: '/patterns/0/httpMethod' },
  HTTPAPISpecBinding: { valid: { services: [{ name: 'a' }], apiSpecs: [{ name: 'b' }] }, invalid: { services: [{ host: 'a' }] }, at: '/services/0' },
  QuotaSpec: { valid: { rules: [{ quotas: [{ quota: 'q', charge: 1 }] }] }, invalid: { rules: [{ quotas: [{ charge: 'one' }] }] }, at: '/rules/0/quotas/0/charge' },
  QuotaSpecBinding: { valid: { services: [{ service: 'a.b' }], quota_specs: [{ name: 'q' }] }, invalid: { quotaSpecs: {} }, at: '/quotaSpecs' },
};

describe('config.istio.io spec schemas', () => {
  it('has a schema for every config.istio.io kind', () => {
    expect(POLICY_KINDS.map((k) => k.kind).filter((k) => !POLICY_SCHEMAS[k])).toEqual([]);
  });

  it.each(Object.entries(EXAMPLES))('%s accepts a full example and rejects a bad field', (kind, ex) => {
    const validate = ajv.compile(POLICY_SCHEMAS[kind]!);
    expect(validate(ex.valid)).toBe(true);
    expect(validate(ex.invalid)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain(ex.at);
  });

  it.each(Object.keys(ADAPTER_PARAMS))('the legacy %s kind uses the adapter params schema', (adapter) => {
    expect(POLICY_SCHEMAS[adapter]).toBe(ADAPTER_PARAMS[adapter]);
  });

  it.each(Object.keys(TEMPLATE_PARAMS))('the legacy %s kind uses the template params schema', (template) => {
    expect(POLICY_SCHEMAS[template]).toBe(TEMPLATE_PARAMS[template]);
  });

  it.each([...OTHER_ADAPTERS, ...OTHER_TEMPLATES])('the legacy %s kind accepts any object', (kind) => {
    const validate = ajv.compile(POLICY_SCHEMAS[kind]!);
    expect(validate({ anything: { nested: [1, 'a'] } })).toBe(true);
    expect(validate('text')).toBe(false);
  });

  it.each([
    ['metric', { value: '1', dimensions: { a: 'b' }, monitored_resource_type: '"X"' }, { value: 1 }],
    ['logentry', { severity: '"info"', timestamp: 'request.time', variables: { a: 'b' } }, { variables: { a: 2 } }],
    ['listentry', { value: 'source.name' }, { val: 'x' }],
    ['quota', { dimensions: { a: 'b' } }, { dimensions: 'a' }],
    ['checknothing', {}, { x: 'a' }],
    ['tracespan', { trace_id: 'a', spanTags: { a: 'b' }, client_span: 'true' }, { traceID: 'a' }],
  ])('the %s template params schema checks its fields', (template, good, bad) => {
    const validate = ajv.compile(TEMPLATE_PARAMS[template]!);
    expect(validate(good)).toBe(true);
    expect(validate(bad)).toBe(false);
  });
});
