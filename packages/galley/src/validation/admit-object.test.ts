import { KINDS } from '@mesh/shared-api';
import { admitObject } from './admit-object.js';
import type { AdmissionTarget } from './admit-object.js';

const DR = KINDS.find((k) => k.kind === 'DestinationRule')!;
const target: AdmissionTarget = { kind: DR, version: 'v1beta1', namespace: 'prod' };
const dr = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'DestinationRule',
  metadata: { name: 'shipping', ...meta },
  spec: { host: 'shipping', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
  ...extra,
});

describe('admitObject', () => {
  it('keeps only client-settable metadata and fills the namespace from the path', () => {
    const r = admitObject(
      dr({ status: { x: 1 } }, { labels: { a: 'b' }, annotations: { c: 'd' }, uid: 'u', generation: 9, creationTimestamp: 'then', managedFields: [] }),
      target,
      'create',
    );
    expect(r).toEqual({
      ok: true,
      warnings: [],
      value: {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'DestinationRule',
        metadata: { name: 'shipping', namespace: 'prod', labels: { a: 'b' }, annotations: { c: 'd' } },
        spec: { host: 'shipping', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
      },
    });
  });

  it('keeps resourceVersion and uid on update, as compare-and-set preconditions', () => {
    const r = admitObject(dr({}, { resourceVersion: '12', uid: 'u-1' }), { ...target, name: 'shipping' }, 'update');
    expect(r.ok && r.value.metadata).toEqual({ name: 'shipping', namespace: 'prod', resourceVersion: '12', uid: 'u-1' });
  });

  it('accepts any served version of the path group and defaults apiVersion and kind from the path', () => {
    expect(admitObject(dr({ apiVersion: 'networking.istio.io/v1alpha3' }), target, 'create')).toMatchObject({ ok: true, value: { apiVersion: 'networking.istio.io/v1alpha3' } });
    const { apiVersion: _a, kind: _k, ...bare } = dr();
    expect(admitObject(bare, target, 'create')).toMatchObject({ ok: true, value: { apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule' } });
  });

  it.each([
    [dr({ apiVersion: 'config.istio.io/v1alpha2' }), 'create', 'does not match the expected API version (networking.istio.io/v1beta1)'],
    [dr({ kind: 'VirtualService' }), 'create', 'the kind in the data (VirtualService) does not match the expected kind (DestinationRule)'],
    [dr({}, { namespace: 'dev' }), 'create', 'the namespace of the provided object does not match the namespace sent on the request'],
    [dr({}, { name: 'other' }), 'update', 'the name of the object (other) does not match the name on the URL (shipping)'],
    ['text', 'create', 'must be one object'],
    [null, 'create', 'must be one object'],
  ] as const)('answers BAD_REQUEST for mismatch %#', (body, op, message) => {
    const r = admitObject(body, { ...target, name: 'shipping' }, op);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('BAD_REQUEST');
    expect(!r.ok && r.error.message).toContain(message);
  });

  it('reports schema and metadata violations together as INVALID_CONFIG, in Kubernetes wording', () => {
    const r = admitObject(dr({ spec: { subsets: [{ name: 'v1' }] } }, { resourceVersion: '3' }), target, 'create');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_CONFIG');
    expect(r.error.violations).toEqual([
      { field: 'spec.host', message: 'required field is missing' },
      { field: 'metadata.resourceVersion', message: 'must not be set when creating an object' },
    ]);
    expect(r.error.message).toBe(
      'DestinationRule.networking.istio.io "shipping" is invalid: [spec.host: required field is missing, metadata.resourceVersion: must not be set when creating an object]',
    );
  });

  it.each(['0', '-1', 'abc', '1.5'])('rejects resourceVersion %p on update', (rv) => {
    const r = admitObject(dr({}, { resourceVersion: rv }), { ...target, name: 'shipping' }, 'update');
    expect(!r.ok && r.error.violations).toEqual([{ field: 'metadata.resourceVersion', message: expect.stringContaining('decimal') }]);
  });
});
