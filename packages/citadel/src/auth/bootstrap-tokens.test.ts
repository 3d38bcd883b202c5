import crypto from 'node:crypto';
import { bearerTokenOf } from './authenticator.js';
import { BootstrapTokens } from './bootstrap-tokens.js';
import { signHs256 } from './jws.js';

const TD = 'cluster.local';
const ID = `spiffe://${TD}/ns/shop/sa/booking`;
const key = crypto.randomBytes(32);

describe('BootstrapTokens', () => {
  const tokens = new BootstrapTokens({ key, trustDomain: TD, maxTtlSeconds: 3600 });

  it('issues a token for one identity that verifies to that identity', () => {
    const issued = tokens.issue(ID, 600);
    if (!issued.ok) throw new Error(issued.message);
    const claims = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: ID, aud: 'mesh-citadel', iss: 'mesh-citadel', jti: issued.tokenId });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(600);
    expect(tokens.verify(issued.token)).toMatchObject({ ok: true, identity: ID, method: 'bootstrap-token', credentialId: issued.tokenId });
  });

  it.each([
    ['an identity that is not a SPIFFE ID', 'booking', 600, /not a workload SPIFFE ID/],
    ['another trust domain', 'spiffe://other.td/ns/a/sa/b', 600, /not in this Citadel's trust domain/],
    ['a TTL above the maximum', ID, 7200, /exceeds the maximum of 3600/],
    ['a zero TTL', ID, 0, /positive/],
  ])('refuses to issue for %s', (_n, identity, ttl, msg) => {
    const r = tokens.issue(identity, ttl);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(msg);
  });

  const now = Math.floor(Date.now() / 1000);
  const good = { sub: ID, aud: 'mesh-citadel', iat: now, exp: now + 600 };
  const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
  it.each([
    ['expired', signHs256({ ...good, iat: now - 700, exp: now - 100 }, key), 'expired'],
    ['for another audience', signHs256({ ...good, aud: 'kubernetes' }, key), 'wrong-audience'],
    ['signed with another key', signHs256(good, crypto.randomBytes(32)), 'bad-signature'],
    ['with alg none', `${header({ alg: 'none', typ: 'JWT' })}.${header(good)}.`, 'malformed'],
    ['with alg RS256', `${header({ alg: 'RS256', typ: 'JWT' })}.${header(good)}.c2ln`, 'malformed'],
    ['with a tampered payload', (() => {
      const [h, , s] = signHs256(good, key).split('.');
      return `${h}.${header({ ...good, sub: `spiffe://${TD}/ns/shop/sa/admin` })}.${s}`;
    })(), 'bad-signature'],
    ['issued in the future', signHs256({ ...good, iat: now + 3600, exp: now + 7200 }, key), 'not-yet-valid'],
    ['for another trust domain', signHs256({ ...good, sub: 'spiffe://other.td/ns/shop/sa/booking' }, key), 'invalid-claims'],
    ['without exp', signHs256({ sub: ID, aud: 'mesh-citadel', iat: now }, key), 'invalid-claims'],
    ['not a JWS at all', 'hello', 'malformed'],
  ])('rejects a token %s', (_n, token, reason) => {
    expect(tokens.verify(token)).toMatchObject({ ok: false, reason });
  });

  it('accepts an audience list that includes mesh-citadel', () => {
    expect(tokens.verify(signHs256({ ...good, aud: ['x', 'mesh-citadel'] }, key))).toMatchObject({ ok: true, identity: ID });
  });

  it('reports missing credentials when no bearer token was sent', async () => {
    await expect(tokens.authenticate({})).resolves.toMatchObject({ ok: false, reason: 'missing-credentials' });
  });
});

describe('bearerTokenOf', () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });
});
