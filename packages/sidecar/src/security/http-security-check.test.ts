import { jsonToStruct } from '@mesh/shared-api';
import { Problems } from '../xds/decode/fields.js';
import { httpSecurityFilters } from '../xds/decode/http-security-filters.js';
import { packTyped } from '../xds/decode/typed-config.js';
import { rbacFilter } from '../xds/decode/rbac-filter.js';
import { checkHttpSecurity } from './http-security.js';
import type { HttpSecurityModel } from './http-security.js';

/** The principal rules of Pilot's AuthorizationPolicy translation: `principals` and `namespaces` read the mTLS peer via istio_authn. */
const model = (action: 'ALLOW' | 'DENY', principal: Record<string, unknown>): HttpSecurityModel => {
  const p = new Problems();
  const rbac = rbacFilter('envoy.filters.http.rbac', { rules: { action, policies: { p: { permissions: [{ any: true }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [{ metadata: { filter: 'istio_authn', path: [{ key: 'source.principal' }], value: { string_match: principal } } }] } }] } }] } } } }, '', p);
  expect(p.list).toEqual([]);
  return { rbac: [rbac] };
};
const facts = { method: 'GET', path: '/', authority: 'httpbin', headers: {} };
const conn = (peerPrincipal?: string) => ({ remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', localPort: 15006, ...(peerPrincipal ? { peerPrincipal } : {}) });

describe('checkHttpSecurity with the mTLS peer of the connection (ConnInfo.peerPrincipal)', () => {
  it.each([
    ['ALLOW principals: the listed peer', 'ALLOW', { exact: 'cluster.local/ns/default/sa/sleep' }, 'cluster.local/ns/default/sa/sleep', true],
    ['ALLOW principals: another peer', 'ALLOW', { exact: 'cluster.local/ns/default/sa/sleep' }, 'cluster.local/ns/default/sa/other', false],
    ['ALLOW principals: plaintext (no peer)', 'ALLOW', { exact: 'cluster.local/ns/default/sa/sleep' }, undefined, false],
    ['ALLOW principals suffix *: any trust domain', 'ALLOW', { suffix: '/ns/default/sa/sleep' }, 'other.domain/ns/default/sa/sleep', true],
    ['ALLOW namespaces: the namespace', 'ALLOW', { safe_regex: { google_re2: {}, regex: '.*/ns/default/.*' } }, 'cluster.local/ns/default/sa/x', true],
    ['ALLOW namespaces: another namespace', 'ALLOW', { safe_regex: { google_re2: {}, regex: '.*/ns/default/.*' } }, 'cluster.local/ns/prod/sa/x', false],
    ['DENY principals: the listed peer', 'DENY', { exact: 'cluster.local/ns/evil/sa/x' }, 'cluster.local/ns/evil/sa/x', false],
    ['DENY principals: plaintext passes', 'DENY', { exact: 'cluster.local/ns/evil/sa/x' }, undefined, true],
  ] as const)('%s', async (_name, action, match, peer, allowed) => {
    const d = await checkHttpSecurity(model(action, match), facts, conn(peer), 0);
    expect(d.ok).toBe(allowed);
    if (!d.ok) expect([d.status, d.body, d.flag]).toEqual([403, 'RBAC: access denied', 'RBAC']);
  });
});

describe('Istio 1.4 authentication Policy origins (jwt_authn allow_missing_or_failed + istio_authn)', () => {
  it('decodes istio_authn from its TypedStruct and refuses a request without a valid origin (401)', async () => {
    const origin = { jwt: { issuer: 'https://issuer', jwks_uri: 'https://issuer/jwks' } };
    const authn = (optional: boolean) => ({
      name: 'istio_authn',
      typed_config: packTyped('type.googleapis.com/udpa.type.v1.TypedStruct', {
        type_url: 'type.googleapis.com/istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig',
        value: jsonToStruct({ policy: { origins: [origin], ...(optional ? { origin_is_optional: true } : {}) }, jwt_output_payload_locations: { 'https://issuer': 'https://issuer' } }),
      }),
    });
    const jwtAuthn = {
      name: 'envoy.filters.http.jwt_authn',
      typed_config: packTyped('type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', {
        providers: { 'origins-0': { issuer: 'https://issuer', local_jwks: { inline_string: '{"keys":[]}' }, forward: true, payload_in_metadata: 'https://issuer' } },
        rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing_or_failed: {} }] } } }],
      }),
    };
    for (const [optional, expected] of [
      [false, { ok: false, status: 401, body: 'Origin authentication failed.' }],
      [true, { ok: true }],
    ] as const) {
      const p = new Problems();
      const model = httpSecurityFilters([jwtAuthn, authn(optional)], '', p)!;
      expect(p.list).toEqual([]);
      expect(model.authn).toEqual({ name: 'istio_authn', origins: [{ issuer: 'https://issuer', payloadKey: 'https://issuer' }], originRequired: !optional });
      const bad = { ...facts, headers: { authorization: 'Bearer not.a.jwt' } };
      expect(await checkHttpSecurity(model, bad, conn(), 0)).toMatchObject(expected);
    }
  });
});
