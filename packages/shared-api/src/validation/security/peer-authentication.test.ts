import { validateResource } from '../../config/validate.js';

const pa = (spec: unknown, version = 'v1') => ({
  apiVersion: `security.istio.io/${version}`,
  kind: 'PeerAuthentication',
  metadata: { name: 'pa', namespace: 'foo' },
  spec,
});
const selector = { matchLabels: { app: 'httpbin' } };

describe('PeerAuthentication (rule 40)', () => {
  it.each([
    ['a namespace-wide mode', { mtls: { mode: 'STRICT' } }],
    ['port-level mTLS with a selector', { selector, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }],
    ['an empty spec', {}],
    ['nulls as unset fields', { selector: null, mtls: null }],
  ])('accepts %s', (_, spec) => {
    expect(validateResource(pa(spec))).toMatchObject({ ok: true });
  });

  it.each([
    [{ portLevelMtls: { '80': { mode: 'STRICT' } } }, 'spec.portLevelMtls', 'needs a workload selector'],
    [{ selector: { matchLabels: {} }, portLevelMtls: { '80': { mode: 'STRICT' } } }, 'spec.portLevelMtls', 'needs a workload selector'],
    [{ selector, portLevelMtls: {} }, 'spec.portLevelMtls', 'must list at least one port'],
    [{ selector, portLevelMtls: { '0': { mode: 'STRICT' } } }, 'spec.portLevelMtls["0"]', 'ports 1-65535'],
    [{ selector, portLevelMtls: { '65536': { mode: 'STRICT' } } }, 'spec.portLevelMtls["65536"]', 'ports 1-65535'],
    [{ selector, portLevelMtls: { http: { mode: 'STRICT' } } }, 'spec.portLevelMtls.http', 'is not a port number'],
    [{ mtls: { mode: 'BLAH' } }, 'spec.mtls.mode', 'must be one of UNSET, DISABLE, PERMISSIVE, STRICT'],
    [{ selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', 'wildcards'],
    [{ selector: { matchLabels: { '': 'a' } } }, 'spec.selector.matchLabels[""]', 'must not be empty'],
    [{ mtls: { mode: 'STRICT', extra: 1 } }, 'spec.mtls.extra', 'unknown field'],
  ])('rejects %j at %s', (spec, field, message) => {
    const r = validateResource(pa(spec));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('warns about a selector without labels', () => {
    const r = validateResource(pa({ selector: {} }, 'v1beta1'));
    expect(r.ok && r.warnings).toEqual([expect.stringContaining('spec.selector: the selector has no labels')]);
  });
});
