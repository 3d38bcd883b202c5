import { checkPeerIdentity } from './peer-identity.js';

describe('checkPeerIdentity (node metadata vs client certificate on the mTLS port)', () => {
  it.each([
    ['the plaintext port', undefined, { NAMESPACE: 'a', SERVICE_ACCOUNT: 'b' }, true],
    ['a matching identity', 'URI:spiffe://cluster.local/ns/a/sa/b', { NAMESPACE: 'a', SERVICE_ACCOUNT: 'b' }, true],
    ['defaults for missing metadata', 'DNS:x, URI:spiffe://cluster.local/ns/default/sa/default', {}, true],
    ['another service account', 'URI:spiffe://cluster.local/ns/a/sa/sleep', { NAMESPACE: 'a', SERVICE_ACCOUNT: 'b' }, false],
    ['another trust domain', 'URI:spiffe://evil.example/ns/a/sa/b', { NAMESPACE: 'a', SERVICE_ACCOUNT: 'b' }, false],
    ['no SPIFFE ID', 'DNS:a.example.com', { NAMESPACE: 'a', SERVICE_ACCOUNT: 'b' }, false],
  ])('%s', (_what, sans, meta, ok) => {
    const r = checkPeerIdentity(sans, meta, 'cluster.local');
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.message).toMatch(/claims spiffe:\/\/cluster\.local\/ns\/a\/sa\/b/);
  });
});
