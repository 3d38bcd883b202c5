import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { Problems } from '../../xds/decode/fields.js';
import { jwtAuthnFilter } from '../../xds/decode/jwt-authn-filter.js';
import { istioAuthn } from './istio-authn.js';
import { runJwtAuthn } from './jwt-authn.js';
import type { JwtAuthnModel } from './jwt-model.js';

const ISSUER = 'testing@secure.istio.io';
let signingKey: CryptoKey;
let forgerKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  forgerKey = (await generateKeyPair('RS256')).privateKey;
});

const now = () => Math.floor(Date.now() / 1000);

async function token(claims: Record<string, unknown> = {}, opts: { key?: CryptoKey; kid?: string } = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'httpbin', exp: now() + 600, ...claims }).setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' }).sign(opts.key ?? signingKey);
}

/** The jwt_authn filter as Pilot generates it for a RequestAuthentication (proto field names). */
function model(provider: Record<string, unknown> = {}, fallback: Record<string, unknown> = { allow_missing: {} }): JwtAuthnModel {
  const p = new Problems();
  const m = jwtAuthnFilter(
    'envoy.filters.http.jwt_authn',
    {
      providers: { [ISSUER]: { issuer: ISSUER, audiences: ['httpbin'], local_jwks: { inline_string: JSON.stringify({ keys: [jwk] }) }, forward: true, payload_in_metadata: ISSUER, ...provider } },
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: ISSUER }, fallback] } } }],
    },
    '',
    p,
  );
  expect(p.list).toEqual([]);
  return m;
}

const facts = (headers: Record<string, string> = {}, path = '/headers') => ({ method: 'GET', path, authority: 'httpbin.foo', headers });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('runJwtAuthn', () => {
  it('accepts a valid token and reports its payload', async () => {
    const r = await runJwtAuthn(model(), facts(bearer(await token())), now());
    expect(r.ok && r.verified.map((v) => v.payload['sub'])).toEqual(['alice']);
  });

  it.each([
    ['an expired token', async () => token({ exp: now() - 3600 }), 'Jwt is expired'],
    ['a token signed by another key under the same kid', async () => token({}, { key: forgerKey }), 'Jwt verification fails'],
    ['a token for another audience', async () => token({ aud: 'other' }), 'Audiences in Jwt are not allowed'],
    ['a token from an unknown issuer', async () => token({ iss: 'evil' }), 'Jwt issuer is not configured'],
    ['a token not yet valid', async () => token({ nbf: now() + 3600 }), 'Jwt not yet valid'],
    ['a token with an unknown kid', async () => token({}, { kid: 'k9' }), "Jwks doesn't have key to match kid or alg from Jwt"],
    ['garbage', async () => 'not-a-jwt', 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  ])('refuses %s with Envoy\'s message', async (_name, make, status) => {
    expect(await runJwtAuthn(model(), facts(bearer(await make())), now())).toEqual({ ok: false, status });
  });

  it('tolerates the provider clock skew (60 s by default) on exp', async () => {
    expect((await runJwtAuthn(model(), facts(bearer(await token({ exp: now() - 30 }))), now())).ok).toBe(true);
  });

  it('lets a request without a token through under allow_missing, but not under a bare provider requirement', async () => {
    expect(await runJwtAuthn(model(), facts(), now())).toEqual({ ok: true, verified: [] });
    const strict = { ...model(), rules: [{ match: { path: { kind: 'prefix' as const, value: '/' }, caseSensitive: true, headers: [] }, requires: { kind: 'provider' as const, name: ISSUER } }] };
    expect(await runJwtAuthn(strict, facts(), now())).toEqual({ ok: false, status: 'Jwt is missing' });
  });

  it('lets failed tokens through under allow_missing_or_failed (Istio 1.4 policies), verifying nothing', async () => {
    expect(await runJwtAuthn(model({}, { allow_missing_or_failed: {} }), facts(bearer(await token({ exp: 1 }))), now())).toEqual({ ok: true, verified: [] });
  });

  it('reads tokens from fromHeaders (with prefix) and fromParams only, when they are configured', async () => {
    const m = model({ from_headers: [{ name: 'x-jwt', value_prefix: 'Token ' }], from_params: ['my_token'] });
    const t = await token();
    expect((await runJwtAuthn(m, facts({ 'x-jwt': `Token ${t}` }), now())).ok).toBe(true);
    expect((await runJwtAuthn(m, facts({}, `/headers?my_token=${t}`), now())).ok).toBe(true);
    // The default Authorization header is not a location of this provider: the bad token there is not looked at.
    expect(await runJwtAuthn(m, facts(bearer('garbage')), now())).toEqual({ ok: true, verified: [] });
  });

  it('uses the JWKS keys imported once at decode time (an unusable set fails every token)', async () => {
    const p = new Problems();
    const fake = jwtAuthnFilter('jwt', { providers: { x: { issuer: ISSUER, local_jwks: { inline_string: '{"keys":[{"e":"AQAB","kid":"abc","kty":"RSA","n":"aHR0cHM6Ly9leGFtcGxlLmNvbS9qd2tz"}]}' } } }, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'x' } }] }, '', p);
    expect(fake.providers.get('x')!.jwks.kind).toBe('unavailable');
    expect(await runJwtAuthn(fake, facts(bearer(await token())), now())).toEqual({ ok: false, status: "Jwks doesn't have valid keys" });
  });
});

describe('istioAuthn', () => {
  it('exposes the peer and the verified origin as istio_authn metadata', async () => {
    const r = await runJwtAuthn(model(), facts(bearer(await token({ groups: ['admin', 'dev'], azp: 'web' }))), now());
    if (!r.ok) throw new Error(r.status);
    const out = istioAuthn(undefined, 'cluster.local/ns/default/sa/sleep', r.verified);
    expect(out.ok && out.metadata).toMatchObject({
      'source.principal': 'cluster.local/ns/default/sa/sleep',
      'request.auth.principal': `${ISSUER}/alice`,
      'request.auth.audiences': 'httpbin',
      'request.auth.presenter': 'web',
      'request.auth.claims': { groups: ['admin', 'dev'], sub: ['alice'] },
    });
  });

  it('refuses a request without an origin when the 1.4 policy requires one', () => {
    expect(istioAuthn({ name: 'istio_authn', origins: [{ issuer: ISSUER, payloadKey: ISSUER }], originRequired: true }, undefined, [])).toEqual({ ok: false, body: 'Origin authentication failed.' });
    expect(istioAuthn({ name: 'istio_authn', origins: [{ issuer: ISSUER, payloadKey: ISSUER }], originRequired: false }, undefined, []).ok).toBe(true);
  });
});

describe('the signature cache', () => {
  it('never lets a token with a changed signature ride on a cached one, and still checks exp', async () => {
    const m = model();
    const t = await token({ exp: now() + 5 });
    expect((await runJwtAuthn(m, facts(bearer(t)), now())).ok).toBe(true);
    const [h, p, s] = t.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(await runJwtAuthn(m, facts(bearer(tampered)), now())).toEqual({ ok: false, status: 'Jwt verification fails' });
    expect(await runJwtAuthn(m, facts(bearer(t)), now() + 3600)).toEqual({ ok: false, status: 'Jwt is expired' });
  });
});
