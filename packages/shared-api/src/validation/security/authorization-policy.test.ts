import { validateResource } from '../../config/validate.js';

const ap = (spec: unknown, version = 'v1', annotations?: Record<string, string>) => ({
  apiVersion: `security.istio.io/${version}`,
  kind: 'AuthorizationPolicy',
  metadata: { name: 'ap', namespace: 'foo', ...(annotations ? { annotations } : {}) },
  spec,
});
const when = (key: string, values: string[] = ['x']) => ({ rules: [{ when: [{ key, values }] }] });
const from = (source: Record<string, unknown>) => ({ rules: [{ from: [{ source }] }] });
const to = (operation: Record<string, unknown>) => ({ rules: [{ to: [{ operation }] }] });

function errorsOf(input: unknown): unknown[] {
  const r = validateResource(input);
  return r.ok ? [] : r.errors;
}

describe('AuthorizationPolicy rule 41 (Istio 1.4, v1beta1)', () => {
  it.each([
    ['allow-nothing', {}],
    ['allow-all', { rules: [{}] }],
    ['1.4 destination.labels condition', when('destination.labels[app]')],
    ['1.4 destination.name condition', when('destination.name')],
    ['request header condition', when('request.headers[x-user]', ['alice'])],
  ])('accepts %s', (_, spec) => {
    expect(validateResource(ap(spec, 'v1beta1'))).toMatchObject({ ok: true });
  });

  it.each([
    [{ selector: { matchLabels: { app: '' } } }, 'spec.selector.matchLabels.app', 'must not be empty'],
    [{ rules: [{ when: [{ values: ['x'] }] }] }, 'spec.rules[0].when[0].key', 'required field is missing'],
    [{ rules: [{ when: [{ key: '' , values: ['x'] }] }] }, 'spec.rules[0].when[0].key', 'must name the attribute'],
    [{ rules: [{ when: [{ key: 'source.ip' }] }] }, 'spec.rules[0].when[0].values', 'set at least one value'],
    [when('request.colour'), 'spec.rules[0].when[0].key', 'unknown attribute "request.colour"'],
    [when('request.headers'), 'spec.rules[0].when[0].key', 'must have the form request.headers[name]'],
    [when('source.ip', ['10.0.0.300']), 'spec.rules[0].when[0].values[0]', 'is not an IP address'],
    [when('destination.port', ['http']), 'spec.rules[0].when[0].values[0]', 'is not a port number'],
  ])('rejects %j at %s', (spec, field, message) => {
    expect(errorsOf(ap(spec, 'v1beta1'))).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('only warns about 1.4-valid empty from/to entries', () => {
    const r = validateResource(ap({ rules: [{ from: [], to: [{}] }] }, 'v1beta1'));
    expect(r.ok && r.warnings).toEqual([
      expect.stringContaining('spec.rules[0].from: an empty from matches anything'),
      expect.stringContaining('spec.rules[0].to[0].operation: a to entry without an operation'),
    ]);
  });
});

describe('AuthorizationPolicy rules 42-43 (current)', () => {
  it.each([
    ['a DENY with a port', { action: 'DENY', rules: [{ to: [{ operation: { ports: ['8080'], methods: ['GET'] } }] }] }],
    ['CUSTOM with a provider', { action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] }],
    ['service accounts split across sources', { rules: [{ from: [{ source: { serviceAccounts: ['ns/sa'] } }, { source: { namespaces: ['ns'] } }] }] }],
    ['notValues only', { rules: [{ when: [{ key: 'source.namespace', notValues: ['dev'] }] }] }],
    ['path templates', to({ paths: ['/api/{*}', '/{**}/docs'] })],
  ])('accepts %s', (_, spec) => {
    expect(validateResource(ap(spec))).toMatchObject({ ok: true, warnings: [] });
  });

  it.each([
    [{ action: 'DENY' }, 'spec.rules', 'a DENY policy without rules never matches'],
    [{ action: 'CUSTOM', provider: { name: 'x' } }, 'spec.rules', 'a CUSTOM policy without rules'],
    [{ action: 'CUSTOM', rules: [{}] }, 'spec.provider.name', 'must name its extension provider'],
    [{ action: 'ALLOW', provider: { name: 'x' } }, 'spec.provider', 'only allowed with action CUSTOM'],
    [{ action: 'CUSTOM', provider: { name: 'x' }, ...from({ principals: ['a'] }) }, 'spec.rules[0].from[0].source.principals', 'not supported with action CUSTOM'],
    [{ action: 'CUSTOM', provider: { name: 'x' }, ...when('request.auth.principal') }, 'spec.rules[0].when[0].key', 'not supported with action CUSTOM'],
    [{ rules: [{ from: [] }] }, 'spec.rules[0].from', 'must not be empty'],
    [{ rules: [{ to: [] }] }, 'spec.rules[0].to', 'must not be empty'],
    [{ rules: [{ from: [{}] }] }, 'spec.rules[0].from[0].source', 'is required'],
    [from({}), 'spec.rules[0].from[0].source', 'must set at least one field'],
    [to({}), 'spec.rules[0].to[0].operation', 'must set at least one field'],
    [from({ serviceAccounts: ['ns/sa'], namespaces: ['ns'] }), 'spec.rules[0].from[0].source.serviceAccounts', 'cannot be combined with namespaces or principals'],
    [from({ serviceAccounts: ['a/b/c'] }), 'spec.rules[0].from[0].source.serviceAccounts[0]', 'without wildcards'],
    [from({ ipBlocks: ['1.2.3.4/33'] }), 'spec.rules[0].from[0].source.ipBlocks[0]', 'bad prefix length'],
    [from({ remoteIpBlocks: ['nope'] }), 'spec.rules[0].from[0].source.remoteIpBlocks[0]', 'is not an IP address'],
    [to({ ports: ['99999'] }), 'spec.rules[0].to[0].operation.ports[0]', 'is not a port number'],
    [to({ paths: ['/{name}/{*}'] }), 'spec.rules[0].to[0].operation.paths[0]', 'not a supported path template'],
    [{ rules: [{ when: [{ key: 'source.ip' }] }] }, 'spec.rules[0].when[0].values', 'set at least one value (or notValues)'],
    [when('destination.labels[app]'), 'spec.rules[0].when[0].key', 'replaced by the workload selector'],
    [{ selector: { matchLabels: { a: 'b' } }, targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }] }, 'spec.targetRefs', 'set only one of'],
    [{ action: 'MAYBE' }, 'spec.action', 'must be one of ALLOW, DENY, AUDIT, CUSTOM'],
  ])('rejects %j at %s', (spec, field, message) => {
    expect(errorsOf(ap(spec))).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it.each([
    ['HTTP-only to', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }],
    ['HTTP-only from', { action: 'DENY', rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] }],
  ])('warns that a DENY rule with %s denies all TCP traffic', (_, spec) => {
    const r = validateResource(ap(spec));
    expect(r.ok && r.warnings).toEqual([expect.stringContaining('spec.rules[0]: this DENY rule uses only HTTP attributes')]);
  });

  it.each([
    ['yes', 'ALLOW', 'is not a boolean'],
    ['true', 'AUDIT', 'supported for ALLOW and DENY policies only'],
  ])('checks the istio.io/dry-run annotation %s on %s', (value, action, message) => {
    expect(errorsOf(ap({ action, rules: [{}] }, 'v1', { 'istio.io/dry-run': value }))).toContainEqual({
      field: 'metadata.annotations["istio.io/dry-run"]',
      message: expect.stringContaining(message),
    });
  });
});
