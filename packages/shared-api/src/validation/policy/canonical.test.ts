import { canonicalSpec } from './canonical.js';

describe('canonicalSpec', () => {
  it('renames proto field names and drops nulls, inside known params too', () => {
    expect(
      canonicalSpec('handler', {
        compiled_adapter: 'prometheus',
        adapter: null,
        params: { metrics: [{ instance_name: 'm.metric.istio-system', label_names: ['a'], buckets: { explicit_buckets: { bounds: [1] } } }] },
      }),
    ).toEqual({
      compiledAdapter: 'prometheus',
      params: { metrics: [{ instanceName: 'm.metric.istio-system', labelNames: ['a'], buckets: { explicitBuckets: { bounds: [1] } } }] },
    });
  });

  it('keeps map keys as written', () => {
    expect(canonicalSpec('instance', { compiledTemplate: 'metric', params: { dimensions: { source_app: 'source.labels["app"]' } } })).toEqual({
      compiledTemplate: 'metric',
      params: { dimensions: { source_app: 'source.labels["app"]' } },
    });
    expect(canonicalSpec('RbacConfig', { mode: 'ON', enforcement_mode: 'PERMISSIVE', inclusion: null })).toEqual({ mode: 'ON', enforcementMode: 'PERMISSIVE' });
  });

  it('leaves unknown kinds alone', () => {
    expect(canonicalSpec('Nope', { a_b: null })).toEqual({ a_b: null });
  });
});
