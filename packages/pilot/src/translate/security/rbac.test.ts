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

describe('rbacRules (not-fields, empty policies, DENY on TCP)', () => {
  const policy = (name: string, spec: AuthorizationPolicySpec): ConfigResource<AuthorizationPolicySpec> => ({ apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'foo' }, spec });
  const only = (r: ReturnType<typeof rbacRules>): { permissions: unknown[]; principals: unknown[] } => Object.values(r['policies'] as Record<string, { permissions: unknown[]; principals: unknown[] }>)[0]!;

  it('writes notX fields and when.notValues as NOT(OR) after their positive field', () => {
    const r = only(
      rbacRules(
        [policy('p', { rules: [{ from: [{ source: { principals: ['a'], notPrincipals: ['b'], notNamespaces: ['evil'], notIpBlocks: ['10.0.0.0/8'], notRequestPrincipals: ['x/y'] } }], to: [{ operation: { notPaths: ['/admin*'], notMethods: ['DELETE'], notPorts: ['8080'], notHosts: ['*.internal'] } }], when: [{ key: 'request.headers[x-env]', notValues: ['prod'] }] }] })],
        false,
        'ALLOW',
      ),
    );
    expect(r.permissions).toEqual([
      {
        and_rules: {
          rules: [
            { not_rule: { or_rules: { rules: [{ header: { name: ':authority', suffix_match: '.internal' } }] } } },
            { not_rule: { or_rules: { rules: [{ header: { name: ':method', exact_match: 'DELETE' } }] } } },
            { not_rule: { or_rules: { rules: [{ header: { name: ':path', prefix_match: '/admin' } }] } } },
            { not_rule: { or_rules: { rules: [{ destination_port: 8080 }] } } },
          ],
        },
      },
    ]);
    const ids = (r.principals[0] as { and_ids: { ids: Record<string, unknown>[] } }).and_ids.ids;
    expect(ids.map((i) => Object.keys(i)[0])).toEqual(['or_ids', 'not_id', 'not_id', 'not_id', 'not_id', 'not_id']);
    expect(ids[5]).toEqual({ not_id: { or_ids: { ids: [{ header: { name: 'x-env', exact_match: 'prod' } }] } } });
  });

  it('denies everything for an ALLOW policy with an empty spec and allows everything for rules: [{}]', () => {
    expect(rbacRules([policy('deny-all', {})], false, 'ALLOW')).toEqual({ policies: {} });
    expect(only(rbacRules([policy('allow-all', { rules: [{}] })], false, 'ALLOW'))).toEqual({ permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] });
  });

  it('keeps a DENY rule with HTTP fields on TCP with its TCP fields only (it denies more), but drops such an ALLOW rule', () => {
    const deny = rbacRules([policy('d', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['evil'], requestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/x'], ports: ['9000'] } }] }] })], true, 'DENY');
    expect(only(deny)).toEqual({
      permissions: [{ and_rules: { rules: [{ or_rules: { rules: [{ destination_port: 9000 }] } }] } }],
      principals: [{ and_ids: { ids: [{ or_ids: { ids: [{ metadata: { filter: 'istio_authn', path: [{ key: 'source.principal' }], value: { string_match: { safe_regex: { google_re2: {}, regex: '.*/ns/evil/.*' } } } } }] } }] } }],
    });
    expect(rbacRules([policy('a', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })], true, 'ALLOW')).toEqual({ policies: {} });
  });
});
