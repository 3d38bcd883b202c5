import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { clusterOf, featureConfig, istioHttpFilters, packTyped, SidecarHarness, startTestUpstream } from '../testing/index.js';
import type { TestUpstream } from '../testing/index.js';

const ISSUER = 'testing@secure.istio.io';
const JWT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const now = () => Math.floor(Date.now() / 1000);

/**
 * The security filters through a real sidecar: configuration pushed over ADS by the fake Pilot
 * (the shapes Pilot generates for a RequestAuthentication and two AuthorizationPolicies),
 * requests over HTTP, a real upstream behind.
 */
describe('JWT and RBAC filters in a running sidecar', () => {
  const h = new SidecarHarness();
  let upstream: TestUpstream;
  let key: CryptoKey;
  let jwk: JWK;
  const cluster = clusterOf('httpbin');

  const token = (claims: Record<string, unknown> = {}, signer?: CryptoKey) =>
    new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'httpbin', exp: now() + 600, ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(signer ?? key);
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => h.request('httpbin', path, { headers, method });
  const bearer = async (claims: Record<string, unknown> = {}, signer?: CryptoKey) => ({ authorization: `Bearer ${await token(claims, signer)}` });

  const jwtFilter = () => ({
    name: 'envoy.filters.http.jwt_authn',
    typed_config: packTyped(JWT_TYPE, {
      providers: { [ISSUER]: { issuer: ISSUER, audiences: ['httpbin'], local_jwks: { inline_string: JSON.stringify({ keys: [jwk] }) }, forward: false, forward_payload_header: 'x-jwt-payload', payload_in_metadata: ISSUER } },
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: ISSUER }, { allow_missing: {} }] } } }],
    }),
  });
  const rbac = (rules: Record<string, unknown>) => ({ name: 'envoy.filters.http.rbac', typed_config: packTyped(RBAC_TYPE, { rules }) });
  const requestPrincipal = (v: string) => ({ metadata: { filter: 'istio_authn', path: [{ key: 'request.auth.principal' }], value: { string_match: { exact: v } } } });
  const pathIs = (kind: 'exact_match' | 'prefix_match', v: string) => ({ header: { name: ':path', [kind]: v } });

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    upstream = await startTestUpstream('httpbin');
    await h.start(
      featureConfig({
        host: 'httpbin',
        clusters: [{ name: cluster, endpoints: [['127.0.0.1', upstream.port]] }],
        httpFilters: [
          jwtFilter(),
          // DENY /admin* first, then ALLOW: /public to anyone, anything else to alice's token only.
          rbac({ action: 'DENY', policies: { 'ns[foo]-policy[deny-admin]-rule[0]': { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [pathIs('prefix_match', '/admin')] } }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] } } }),
          rbac({
            policies: {
              'ns[foo]-policy[httpbin]-rule[0]': { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [pathIs('exact_match', '/public')] } }] } }], principals: [{ and_ids: { ids: [{ any: true }] } }] },
              'ns[foo]-policy[httpbin]-rule[1]': { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [requestPrincipal(`${ISSUER}/alice`)] } }] } }] },
            },
          }),
          ...istioHttpFilters(),
        ],
      }),
    );
  });

  afterAll(async () => {
    await h.stop();
    await upstream.close();
  });

  it.each([
    ['an expired token', { exp: now() - 3600 }, 'Jwt is expired'],
    ['a token for another audience', { aud: 'someone-else' }, 'Audiences in Jwt are not allowed'],
  ])('answers 401 to %s with Envoy\'s body', async (_name, claims, body) => {
    const r = await get('/public', await bearer(claims));
    expect([r.status, r.body]).toEqual([401, body]);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="http:\/\/httpbin\/public", error="invalid_token"$/);
  });

  it('answers 401 "Jwt verification fails" to a forged token', async () => {
    const forger = (await generateKeyPair('RS256')).privateKey;
    const r = await get('/public', await bearer({}, forger));
    expect([r.status, r.body]).toEqual([401, 'Jwt verification fails']);
  });

  it('lets a request without a token pass authentication, then RBAC decides', async () => {
    expect((await get('/public')).status).toBe(200);
    const denied = await get('/private');
    expect([denied.status, denied.body]).toEqual([403, 'RBAC: access denied']);
  });

  it('admits a valid token where the policy requires its request principal; forwards the payload, not the token', async () => {
    const before = upstream.requests.length;
    const r = await get('/private', await bearer());
    expect(r.status).toBe(200);
    const seen = upstream.requests.slice(before).at(-1)!;
    expect(seen.headers['authorization']).toBeUndefined();
    expect(JSON.parse(Buffer.from(String(seen.headers['x-jwt-payload']), 'base64url').toString())).toMatchObject({ sub: 'alice', iss: ISSUER });
    expect((await get('/private', await bearer({ sub: 'bob' }))).status).toBe(403);
  });

  it('evaluates DENY before ALLOW: /admin is refused even with a valid token', async () => {
    const r = await get('/admin/users', await bearer());
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
    await h.until(() => h.seen.some((i) => i.path === '/admin/users' && i.status === 403 && i.responseFlags.includes('RBAC')));
  });
});
