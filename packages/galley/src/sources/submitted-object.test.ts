import { admitFromSource } from './submitted-object.js';

const vs = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata,
  spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] },
  ...extra,
});

describe('admitFromSource', () => {
  it('keeps only what a client may send, drops kubectl\'s copy, and sets the origin annotations over the input\'s', () => {
    const input = vs(
      {
        name: 'a',
        namespace: 'prod',
        resourceVersion: '99',
        uid: 'cluster-uid',
        generation: 4,
        managedFields: [{}],
        labels: { app: 'a' },
        annotations: { keep: 'me', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'galley.mesh.io/source': 'directory', 'galley.mesh.io/source-file': 'x.yaml' },
      },
      { status: { ok: true } },
    );
    const r = admitFromSource(input, { defaultNamespace: 'default', annotations: { 'galley.mesh.io/source': 'kubernetes' } });
    expect(r.ok && r.object).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'a', namespace: 'prod', labels: { app: 'a' }, annotations: { keep: 'me', 'galley.mesh.io/source': 'kubernetes' } },
      spec: input.spec,
    });
  });

  it('fills the default namespace, and none for cluster-scoped kinds', () => {
    const r = admitFromSource(vs({ name: 'a' }), { defaultNamespace: 'team' });
    expect(r.ok && r.object.metadata.namespace).toBe('team');
    const mp = admitFromSource({ apiVersion: 'authentication.istio.io/v1alpha1', kind: 'MeshPolicy', metadata: { name: 'default', namespace: 'x' }, spec: {} }, { defaultNamespace: 'team' });
    expect(mp.ok && mp.object.metadata.namespace).toBeUndefined();
  });

  it.each([
    ['an unknown kind', { apiVersion: 'networking.istio.io/v1beta1', kind: 'Nope', metadata: { name: 'a' }, spec: {} }, 'kind'],
    ['an unserved version', { ...vs({ name: 'a' }), apiVersion: 'networking.istio.io/v9' }, 'kind'],
    ['a bad field', { ...vs({ name: 'a' }), spec: { hosts: 'a' } }, 'spec.hosts'],
    ['a bad name', vs({ name: 'Not_A_Name' }), 'metadata.name'],
  ])('refuses %s, naming the field', (_name, doc, field) => {
    const r = admitFromSource(doc, { defaultNamespace: 'default' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_CONFIG');
    expect(!r.ok && r.error.violations.map((v) => v.field)).toContain(field);
  });

  it('refuses a document that is not an object', () => {
    expect(admitFromSource('text', { defaultNamespace: 'default' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
