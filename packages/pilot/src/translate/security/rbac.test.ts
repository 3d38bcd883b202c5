import fs from 'node:fs';
import path from 'node:path';
import type { ConfigResource } from '@mesh/shared-api';
import type { AuthorizationPolicySpec } from '../../model/security-specs.js';
import { conformanceDir, readYamlDocuments } from '../../testing/conformance.js';
import { rbacFilters, rbacRules } from './rbac.js';

/** Our v3 output in the proto-JSON form Istio's testdata uses: camelCase, wrappers unwrapped, RE2 regexes as `regex`. */
function protoJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(protoJson);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if ('safe_regex' in o && typeof o['safe_regex'] === 'object') return { regex: (o['safe_regex'] as { regex: string }).regex };
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) {
    const key = k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    out[key] = k === 'prefix_len' ? (val as { value: number }).value : k === 'policies' ? Object.fromEntries(Object.entries(val as object).map(([n, p]) => [n, protoJson(p)])) : protoJson(val);
  }
  return out;
}

const dir = conformanceDir();
// Cases whose expectations depend on the Go test's trust domain settings (`td1` and its aliases) and
// the v1alpha1 ones (ServiceRole translation) are left out.
const cases = dir
  ? fs
      .readdirSync(dir)
      .filter((f) => /^authz-builder-1\.4-v1beta1-.*-in\.yaml$/.test(f) && !f.includes('v1alpha1') && !f.includes('td-aliases'))
      .filter((f) => !fs.readFileSync(path.join(dir, f.replace(/-in\.yaml$/, '-out.yaml')), 'utf8').includes('td1/'))
      .map((f) => [f.replace(/-in\.yaml$/, '')])
  : [];

describe('rbacRules against Istio 1.4 builder testdata', () => {
  it('finds the corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('%s', (name) => {
    const policies = readYamlDocuments(path.join(dir!, `${name}-in.yaml`)).filter((d) => (d as ConfigResource).kind === 'AuthorizationPolicy') as ConfigResource<AuthorizationPolicySpec>[];
    const [expected] = readYamlDocuments(path.join(dir!, `${name}-out.yaml`)) as { rules: unknown }[];
    expect(protoJson(rbacRules(policies, false, 'ALLOW'))).toEqual(expected!.rules);
  });
});

describe('rbacFilters', () => {
  const policy = (name: string, spec: AuthorizationPolicySpec): ConfigResource<AuthorizationPolicySpec> => ({ apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'foo' }, spec });

  it('puts DENY policies in their own filter before ALLOW', () => {
    const filters = rbacFilters([policy('allow', { rules: [{}] }), policy('deny', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] })], false);
    expect(filters.map((f) => (f['typed_config'] as { rules: { action?: string } }).rules.action)).toEqual(['DENY', undefined]);
  });

  it('leaves HTTP-only rules out of the TCP filter', () => {
    const [f] = rbacFilters([policy('p', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }, { to: [{ operation: { ports: ['3306'] } }] }] })], true);
    expect(Object.keys((f!['typed_config'] as { rules: { policies: object } }).rules.policies)).toEqual(['ns[foo]-policy[p]-rule[1]']);
    expect(f!['name']).toBe('envoy.filters.network.rbac');
  });
});
