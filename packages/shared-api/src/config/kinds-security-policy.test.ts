import { SPEC_SCHEMAS } from '../schemas/index.js';
import { OTHER_ADAPTERS } from '../schemas/policy/adapters.js';
import { SEMANTIC_VALIDATORS } from '../validation/index.js';
import { configKey } from './keys.js';
import { KINDS, kindByApiVersion, kindByPlural } from './kinds.js';
import { POLICY_KINDS } from './kinds-policy.js';
import { SECURITY_KINDS } from './kinds-security.js';

describe('security and policy kinds', () => {
  it('keeps kind names unique across every group (schemas and validators are keyed by kind)', () => {
    const names = KINDS.map((k) => k.kind);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it.each([...SECURITY_KINDS, ...POLICY_KINDS].map((k) => k.kind))('%s has a spec schema', (kind) => {
    expect(SPEC_SCHEMAS[kind]).toBeDefined();
  });

  // Adapters without a params schema (OTHER_ADAPTERS) take any object and have no rules.
  it.each([...SECURITY_KINDS, ...POLICY_KINDS].map((k) => k.kind).filter((k) => !(OTHER_ADAPTERS as readonly string[]).includes(k)))(
    '%s has semantic rules',
    (kind) => {
      expect(SEMANTIC_VALIDATORS[kind]).toBeDefined();
    },
  );

  it.each([
    ['security.istio.io/v1beta1', 'AuthorizationPolicy'],
    ['security.istio.io/v1', 'PeerAuthentication'],
    ['authentication.istio.io/v1alpha1', 'MeshPolicy'],
    ['rbac.istio.io/v1alpha1', 'ClusterRbacConfig'],
    ['config.istio.io/v1alpha2', 'prometheus'],
    ['config.istio.io/v1alpha2', 'HTTPAPISpec'],
  ])('serves %s %s', (apiVersion, kind) => {
    expect(kindByApiVersion(apiVersion, kind)).toMatchObject({ kind });
  });

  it.each([
    ['config.istio.io', 'solarwindses', 'solarwinds'],
    ['config.istio.io', 'listentries', 'listentry'],
    ['config.istio.io', 'kuberneteses', 'kubernetes'],
    ['security.istio.io', 'authorizationpolicies', 'AuthorizationPolicy'],
  ])('finds %s/%s as %s', (group, plural, kind) => {
    expect(kindByPlural(group, plural)?.kind).toBe(kind);
  });

  it.each([
    ['MeshPolicy', 'authentication_istio_io.meshpolicies._.default'],
    ['ClusterRbacConfig', 'rbac_istio_io.clusterrbacconfigs._.default'],
    ['RbacConfig', 'rbac_istio_io.rbacconfigs.foo.default'],
  ])('keys %s objects by scope', (kind, key) => {
    const info = KINDS.find((k) => k.kind === kind)!;
    expect(configKey(info, 'foo', 'default')).toBe(key);
  });
});
