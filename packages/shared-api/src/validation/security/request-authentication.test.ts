import { validateResource } from '../../config/validate.js';

const ra = (spec: unknown) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'RequestAuthentication',
  metadata: { name: 'ra', namespace: 'foo' },
  spec,
});
const rule = (extra: Record<string, unknown>) => ({ jwtRules: [{ issuer: 'example.com', ...extra }] });

describe('RequestAuthentication (rule 44)', () => {
  it.each([
    ['an issuer only', rule({})],
    ['a jwksUri only', { jwtRules: [{ jwksUri: 'https://example.com/jwks.json' }] }],
    ['every field', rule({ audiences: ['a'], fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }], fromParams: ['t'], fromCookies: ['c'], outputClaimToHeaders: [{ claim: 'sub', header: 'x-sub' }], timeout: '5s', forwardOriginalToken: true, outputPayloadToHeader: 'x-p', spaceDelimitedClaims: ['scope'], presence: 'REQUIRED' })],
    ['a target reference in the same namespace', { targetRef: { group: '', kind: 'Service', name: 'svc', namespace: 'foo' } }],
    ['a public inline JWKS', rule({ jwks: JSON.stringify({ keys: [{ kty: 'RSA', n: 'abc', e: 'AQAB' }] }) })],
  ])('accepts %s', (_, spec) => {
    expect(validateResource(ra(spec))).toMatchObject({ ok: true, warnings: [] });
  });

  it.each([
    [{ jwtRules: [{ audiences: ['a'] }] }, 'spec.jwtRules[0].issuer', 'set issuer (or jwksUri)'],
    [rule({ jwksUri: 'ftp://example.com/jwks' }), 'spec.jwtRules[0].jwksUri', 'scheme "ftp" is not supported'],
    [rule({ jwksUri: 'not a url' }), 'spec.jwtRules[0].jwksUri', 'must be an http:// or https:// URL'],
    [rule({ jwks: '{not json' }), 'spec.jwtRules[0].jwks', 'not valid JSON'],
    [rule({ jwks: '"a string"' }), 'spec.jwtRules[0].jwks', 'must be a JSON Web Key Set'],
    [rule({ audiences: [''] }), 'spec.jwtRules[0].audiences[0]', 'must not be empty'],
    [rule({ fromParams: [''] }), 'spec.jwtRules[0].fromParams[0]', 'must not be empty'],
    [rule({ fromCookies: [''] }), 'spec.jwtRules[0].fromCookies[0]', 'must not be empty'],
    [rule({ fromHeaders: [{ prefix: 'x' }] }), 'spec.jwtRules[0].fromHeaders[0].name', 'required field is missing'],
    [rule({ outputClaimToHeaders: [{ header: 'x-a' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].claim', 'set the JWT claim'],
    [rule({ outputClaimToHeaders: [{ claim: 'sub' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'set the header name'],
    [rule({ outputClaimToHeaders: [{ claim: 'sub', header: ':path' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'not a valid header name'],
    [rule({ timeout: 'soon' }), 'spec.jwtRules[0].timeout', 'must be a duration'],
    [rule({ timeout: '100us' }), 'spec.jwtRules[0].timeout', 'at least 1ms'],
    [rule({ timeout: '1.5ms' }), 'spec.jwtRules[0].timeout', 'whole number of milliseconds'],
    [rule({ presence: 'MANDATORY' }), 'spec.jwtRules[0].presence', 'must be one of OPTIONAL, REQUIRED'],
    [{ jwtRules: [null] }, 'spec.jwtRules[0]', 'must be an object'],
    [{ selector: { matchLabels: { a: 'b' } }, targetRef: { kind: 'Service', name: 's' } }, 'spec.targetRef', 'set only one of selector, targetRef or targetRefs'],
    [{ targetRef: { kind: 'Service', name: 's' }, targetRefs: [{ kind: 'Service', name: 't' }] }, 'spec.targetRefs', 'set only one of'],
    [{ targetRef: { kind: 'Service', name: 's', namespace: 'bar' } }, 'spec.targetRef.namespace', 'cross-namespace references are not supported'],
    [{ targetRef: { kind: 'Service' } }, 'spec.targetRef.name', 'required field is missing'],
    [{ targetRef: { group: '__', kind: 'Service', name: 's' } }, 'spec.targetRef.group', 'DNS-1123 subdomain'],
    [{ targetRef: { kind: 'Serv_ice', name: 's' } }, 'spec.targetRef.kind', 'must be a kind name'],
    [{ targetRef: { group: 'apps', kind: 'Deployment', name: 's' } }, 'spec.targetRef.kind', 'a policy can target Service'],
  ])('rejects %j at %s', (spec, field, message) => {
    const r = validateResource(ra(spec));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });

  it('warns when an inline JWKS carries private key material', () => {
    const jwks = JSON.stringify({ keys: [{ kty: 'RSA', n: 'abc', e: 'AQAB', d: 'secret', p: 'x' }] });
    const r = validateResource(ra(rule({ jwks })));
    expect(r.ok && r.warnings).toEqual([expect.stringMatching(/^spec\.jwtRules\[0\]\.jwks: key 0 contains private key material \(d, p\)/)]);
  });
});
