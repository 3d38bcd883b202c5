import { validateResource } from '../../config/validate.js';

const doc = (kind: string, spec: unknown, name = 'x') => ({
  apiVersion: 'rbac.istio.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default' },
  spec,
});

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

describe('rbac.istio.io (Istio 1.4 rules)', () => {
  it.each([
    ['a ServiceRole', doc('ServiceRole', { rules: [{ services: ['*'], methods: ['GET'], constraints: [{ key: 'destination.labels[version]', values: ['v1'] }] }] })],
    ['a ServiceRoleBinding', doc('ServiceRoleBinding', { subjects: [{ user: 'alice' }, { properties: { 'source.namespace': 'abc' } }], roleRef: { kind: 'ServiceRole', name: 'viewer' } })],
    ['an inline-action binding', doc('ServiceRoleBinding', { subjects: [{ names: ['a'] }], actions: [{ methods: ['GET'] }] })],
    ['a ClusterRbacConfig', doc('ClusterRbacConfig', { mode: 'ON_WITH_INCLUSION', inclusion: { namespaces: ['default'] }, enforcement_mode: 'PERMISSIVE' }, 'default')],
  ])('accepts %s', (_, input) => {
    expect(validateResource(input)).toMatchObject({ ok: true });
  });

  it.each([
    [doc('ServiceRole', { rules: null }), 'spec.rules', 'at least one rule'],
    [doc('ServiceRole', { rules: [{ methods: ['GET'], notMethods: ['POST'] }] }), 'spec.rules[0].notMethods', 'cannot be combined with methods'],
    [doc('ServiceRole', { rules: [{ ports: [80], notPorts: [81] }] }), 'spec.rules[0].notPorts', 'cannot be combined with ports'],
    [doc('ServiceRole', { rules: [{ ports: [0] }] }), 'spec.rules[0].ports[0]', 'port number 1-65535'],
    [doc('ServiceRole', { rules: [{ constraints: [{ values: ['a'] }] }] }), 'spec.rules[0].constraints[0].key', 'must name the attribute'],
    [doc('ServiceRole', { rules: [{ constraints: [{ key: 'k' }] }] }), 'spec.rules[0].constraints[0].values', 'at least one value'],
    [doc('ServiceRole', { rules: [{ ports: [80], constraints: [{ key: 'destination.port', values: ['80'] }] }] }), 'spec.rules[0].constraints[0].key', 'already set by ports'],
    [doc('ServiceRoleBinding', { subjects: null }), 'spec.subjects', 'at least one subject'],
    [doc('ServiceRoleBinding', { subjects: [{}], roleRef: { kind: 'ServiceRole', name: 'r' } }), 'spec.subjects[0]', 'an empty subject is not allowed'],
    [doc('ServiceRoleBinding', { subjects: [{ names: ['*'] }], roleRef: { kind: 'ServiceRole', name: 'r' } }), 'spec.subjects[0].names', 'do not use "*"'],
    [doc('ServiceRoleBinding', { subjects: [{ names: ['a'], properties: { 'source.principal': 'b' } }], role: 'r' }), 'spec.subjects[0].properties["source.principal"]', 'duplicates names'],
    [doc('ServiceRoleBinding', { subjects: [{ user: 'a' }], roleRef: { kind: 'ServiceRole', name: 'r' }, role: 'r' }), 'spec.roleRef', 'set exactly one of roleRef, role or actions'],
    [doc('ServiceRoleBinding', { subjects: [{ user: 'a' }], roleRef: { kind: 'ClusterRole', name: 'r' } }), 'spec.roleRef.kind', 'must be "ServiceRole"'],
    [doc('ServiceRoleBinding', { subjects: [{ user: 'a' }], roleRef: { kind: 'ServiceRole' } }), 'spec.roleRef.name', 'must name the ServiceRole'],
    [doc('ServiceRoleBinding', { subjects: [{ user: 'a' }], role: '/' }), 'spec.role', 'must name a ServiceRole'],
    [doc('ClusterRbacConfig', { mode: 'ON' }, 'mine'), 'metadata.name', 'must be named "default"'],
    [doc('ClusterRbacConfig', { mode: 'ON_WITH_EXCLUSION' }, 'default'), 'spec.exclusion', 'needs exclusion'],
    [doc('RbacConfig', { mode: 'ON_WITH_INCLUSION' }, 'default'), 'spec.inclusion', 'needs inclusion'],
    [doc('RbacConfig', { mode: 'SOMETIMES' }, 'default'), 'spec.mode', 'must be one of OFF, ON, ON_WITH_INCLUSION, ON_WITH_EXCLUSION'],
  ])('rejects %j at %s', (input, field, message) => {
    expect(errorsOf(input)).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('warns about a binding without a role', () => {
    const r = validateResource(doc('ServiceRoleBinding', { subjects: [{ user: 'a' }] }));
    expect(r.ok && r.warnings).toEqual([expect.stringContaining('spec.roleRef: the binding names no role')]);
  });
});
