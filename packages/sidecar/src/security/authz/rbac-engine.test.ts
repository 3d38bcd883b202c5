import { Problems } from '../../xds/decode/fields.js';
import { rbacFilter } from '../../xds/decode/rbac-filter.js';
import type { RbacRequest } from './rbac-engine.js';
import { evaluateRbacFilters } from './rbac-engine.js';
import type { RbacFilterModel } from './rbac-model.js';

/** Envoy RBAC configs written the way Pilot generates them (proto field names), decoded by the sidecar's decoder. */
function filter(name: string, rules: Record<string, unknown> | undefined): RbacFilterModel {
  const p = new Problems();
  const f = rbacFilter(name, rules ? { rules } : {}, '', p);
  expect(p.list).toEqual([]);
  return f;
}

const meta = (key: string, value: Record<string, unknown>, path: string[] = [key]) => ({ metadata: { filter: 'istio_authn', path: path.map((k) => ({ key: k })), value } });
const principal = (v: Record<string, unknown>) => meta('source.principal', { string_match: v });
const header = (name: string, m: Record<string, unknown>) => ({ header: { name, ...m } });
const policy = (permissions: unknown[], principals: unknown[]) => ({ permissions, principals });

function request(over: Partial<Omit<RbacRequest, 'facts'>> & { method?: string; path?: string; headers?: Record<string, string>; principal?: string; claims?: Record<string, readonly string[]>; requestPrincipal?: string } = {}): RbacRequest {
  const authn: Record<string, unknown> = {};
  if (over.principal) authn['source.principal'] = over.principal;
  if (over.requestPrincipal) authn['request.auth.principal'] = over.requestPrincipal;
  if (over.claims) authn['request.auth.claims'] = over.claims;
  return {
    facts: { method: over.method ?? 'GET', path: over.path ?? '/', authority: 'httpbin.foo:8000', headers: over.headers ?? {} },
    sourceIp: over.sourceIp ?? '10.0.0.7',
    destinationIp: over.destinationIp ?? '10.1.5.1',
    destinationPort: over.destinationPort ?? 80,
    ...(over.principal ? { peerPrincipal: over.principal } : {}),
    metadata: { istio_authn: authn },
  };
}

describe('evaluateRbacFilters', () => {
  it('allows everything when there is no RBAC filter, and a filter without rules enforces nothing', () => {
    expect(evaluateRbacFilters([], request()).allowed).toBe(true);
    expect(evaluateRbacFilters([filter('rbac', undefined)], request()).allowed).toBe(true);
  });

  it('denies everything under ALLOW with no policies (Istio: an AuthorizationPolicy with an empty spec)', () => {
    expect(evaluateRbacFilters([filter('rbac', { policies: {} })], request())).toEqual({ allowed: false, filter: 'rbac' });
  });

  it('allows everything under ALLOW with an any/any policy (Istio: rules: [{}])', () => {
    const f = filter('rbac', { policies: { p: policy([{ and_rules: { rules: [{ any: true }] } }], [{ and_ids: { ids: [{ any: true }] } }]) } });
    expect(evaluateRbacFilters([f], request()).allowed).toBe(true);
  });

  it('evaluates the DENY filter first: a matching DENY refuses even when ALLOW would admit', () => {
    const deny = filter('deny', { action: 'DENY', policies: { admin: policy([header(':path', { prefix_match: '/admin' })], [{ any: true }]) } });
    const allow = filter('allow', { policies: { all: policy([{ any: true }], [{ any: true }]) } });
    expect(evaluateRbacFilters([deny, allow], request({ path: '/admin/users' }))).toEqual({ allowed: false, filter: 'deny', policy: 'admin' });
    expect(evaluateRbacFilters([deny, allow], request({ path: '/public' })).allowed).toBe(true);
  });

  const sleepPrincipal = 'cluster.local/ns/default/sa/sleep';
  const allowMatrix = filter('rbac', {
    policies: {
      'ns[foo]-policy[p]-rule[0]': policy(
        [{ and_rules: { rules: [{ or_rules: { rules: [header(':method', { exact_match: 'GET' })] } }, { or_rules: { rules: [header(':path', { exact_match: '/exact' }), header(':path', { prefix_match: '/api/' }), header(':path', { suffix_match: '.png' })] } }] } }],
        [{ and_ids: { ids: [{ or_ids: { ids: [principal({ exact: sleepPrincipal }), meta('source.principal', { string_match: { safe_regex: { google_re2: {}, regex: '.*/ns/trusted/.*' } } })] } }] } }],
      ),
      'ns[foo]-policy[p]-rule[1]': policy(
        [{ and_rules: { rules: [{ any: true }] } }],
        [{ and_ids: { ids: [{ or_ids: { ids: [meta('request.auth.claims', { list_match: { one_of: { string_match: { exact: 'admin' } } } }, ['request.auth.claims', 'groups'])] } }] } }],
      ),
    },
  });

  it.each([
    ['principal, GET, exact path', { principal: sleepPrincipal, path: '/exact' }, true],
    ['principal, GET, exact path with a query (Istio 1.4 matches :path as sent)', { principal: sleepPrincipal, path: '/exact?x=1' }, false],
    ['principal, GET, prefix path', { principal: sleepPrincipal, path: '/api/v1/items' }, true],
    ['principal, GET, suffix path', { principal: sleepPrincipal, path: '/img/logo.png' }, true],
    ['principal, POST', { principal: sleepPrincipal, method: 'POST', path: '/exact' }, false],
    ['principal, other path', { principal: sleepPrincipal, path: '/other' }, false],
    ['namespace match', { principal: 'cluster.local/ns/trusted/sa/any', path: '/exact' }, true],
    ['other namespace', { principal: 'cluster.local/ns/evil/sa/sleep', path: '/exact' }, false],
    ['no principal (plaintext)', { path: '/exact' }, false],
    ['claim groups=admin, any method and path', { claims: { groups: ['dev', 'admin'] }, method: 'DELETE', path: '/x' }, true],
    ['claim groups=dev only', { claims: { groups: ['dev'] }, path: '/x' }, false],
  ] as const)('ALLOW matrix: %s', (_name, over, allowed) => {
    expect(evaluateRbacFilters([allowMatrix], request(over)).allowed).toBe(allowed);
  });

  it.each([
    ['notPaths: a path outside the list is denied', { path: '/private' }, false],
    ['notPaths: a listed path is allowed', { path: '/healthz' }, true],
    ['notPrincipals: the excluded principal is denied', { path: '/healthz', principal: 'cluster.local/ns/foo/sa/bad' }, false],
  ] as const)('DENY with not-rules: %s', (_name, over, allowed) => {
    const deny = filter('deny', {
      action: 'DENY',
      policies: {
        p0: policy([{ and_rules: { rules: [{ not_rule: { or_rules: { rules: [header(':path', { exact_match: '/healthz' })] } } }] } }], [{ any: true }]),
        p1: policy([{ any: true }], [{ and_ids: { ids: [{ or_ids: { ids: [principal({ exact: 'cluster.local/ns/foo/sa/bad' })] } }] } }]),
      },
    });
    expect(evaluateRbacFilters([deny], request(over)).allowed).toBe(allowed);
  });

  it('matches source IP blocks, destination ports, request principals and the peer certificate', () => {
    const f = filter('rbac', {
      policies: {
        p: policy(
          [{ and_rules: { rules: [{ or_rules: { rules: [{ destination_port: 80 }] } }, { destination_ip: { address_prefix: '10.1.0.0', prefix_len: { value: 16 } } }] } }],
          [{ and_ids: { ids: [{ source_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 24 } } }, meta('request.auth.principal', { string_match: { prefix: 'https://issuer/' } }), { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/a/sa/b' } } }] } }],
        ),
      },
    });
    const ok = { sourceIp: '10.0.0.9', requestPrincipal: 'https://issuer/alice', principal: 'cluster.local/ns/a/sa/b' };
    expect(evaluateRbacFilters([f], request(ok)).allowed).toBe(true);
    expect(evaluateRbacFilters([f], request({ ...ok, sourceIp: '10.0.1.9' })).allowed).toBe(false);
    expect(evaluateRbacFilters([f], request({ ...ok, destinationPort: 81 })).allowed).toBe(false);
    expect(evaluateRbacFilters([f], request({ ...ok, requestPrincipal: 'https://other/alice' })).allowed).toBe(false);
    expect(evaluateRbacFilters([f], request({ ...ok, principal: 'cluster.local/ns/a/sa/c' })).allowed).toBe(false);
  });

  it('refuses (NACKs) configuration it cannot evaluate instead of reading it wider', () => {
    const p = new Problems();
    rbacFilter('rbac', { rules: { policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: { const_expr: { bool_value: true } } } } } }, '', p);
    expect(p.list.map((v) => v.message)).toEqual(['CEL conditions in RBAC policies are not supported by the sidecar']);
  });
});
