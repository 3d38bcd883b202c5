import { identityFromTokenReview, KubeTokenAuthenticator } from './token-review.js';
import type { TokenReviewStatus } from './token-review.js';

const TD = 'cluster.local';
const user = (username: string, groups = ['system:serviceaccounts', 'system:authenticated']) => ({ username, uid: 'u-1', groups });

describe('identityFromTokenReview', () => {
  it('maps system:serviceaccount:<ns>:<sa> to the SPIFFE ID', () => {
    expect(identityFromTokenReview({ authenticated: true, user: user('system:serviceaccount:shop:booking'), audiences: ['istio-ca'] }, ['istio-ca'], TD)).toEqual({
      ok: true,
      identity: 'spiffe://cluster.local/ns/shop/sa/booking',
      method: 'kubernetes-token',
      credentialId: 'uid:u-1',
    });
  });

  it.each<[string, TokenReviewStatus, string, RegExp]>([
    ['not authenticated', { authenticated: false, error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' }, 'rejected', /cryptographic primitive/],
    ['expired', { authenticated: false, error: '[invalid bearer token, service account token has expired]' }, 'expired', /expired/],
    ['a user, not a service account', { authenticated: true, user: user('alice', ['system:authenticated']), audiences: ['istio-ca'] }, 'invalid-claims', /alice is not a service account/],
    ['a service account outside the group', { authenticated: true, user: user('system:serviceaccount:shop:booking', []), audiences: ['istio-ca'] }, 'invalid-claims', /not in the group/],
    ['audiences that do not match', { authenticated: true, user: user('system:serviceaccount:shop:booking'), audiences: ['https://kubernetes.default.svc'] }, 'wrong-audience', /not for any of the audiences/],
    ['no audiences in the status', { authenticated: true, user: user('system:serviceaccount:shop:booking') }, 'wrong-audience', /audiences/],
    ['a namespace that cannot be in a SPIFFE ID', { authenticated: true, user: user('system:serviceaccount:Shop:booking'), audiences: ['istio-ca'] }, 'invalid-claims', /namespace "Shop"/],
  ])('refuses %s', (_n, status, reason, message) => {
    const r = identityFromTokenReview(status, ['istio-ca'], TD);
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.message).toMatch(message);
  });

  it('does not require audiences when none were asked for (legacy tokens)', () => {
    expect(identityFromTokenReview({ authenticated: true, user: user('system:serviceaccount:shop:booking') }, [], TD)).toMatchObject({ ok: true });
  });
});

describe('KubeTokenAuthenticator', () => {
  it('leaves bootstrap tokens alone and reports an unreachable API server as unavailable', async () => {
    const seen: string[] = [];
    const a = new KubeTokenAuthenticator({ trustDomain: TD, audiences: ['istio-ca'], reviewer: { review: async (t) => (seen.push(t), Promise.reject(new Error('connect ECONNREFUSED'))) } });
    const boot = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"iss":"mesh-citadel"}').toString('base64url')}.x`;
    await expect(a.authenticate({ bearerToken: boot })).resolves.toMatchObject({ ok: false, reason: 'not-applicable' });
    await expect(a.authenticate({})).resolves.toMatchObject({ ok: false, reason: 'missing-credentials' });
    await expect(a.authenticate({ bearerToken: 'sa-token' })).resolves.toMatchObject({ ok: false, reason: 'unavailable', message: expect.stringMatching(/ECONNREFUSED/) });
    expect(seen).toEqual(['sa-token']);
  });
});
