import { InvalidSpiffeIdError, isValidTrustDomain, parseSpiffeId, spiffeId } from './spiffe.js';

describe('spiffeId', () => {
  it.each([
    ['cluster.local', 'shop', 'booking', 'spiffe://cluster.local/ns/shop/sa/booking'],
    ['example.org', 'default', 'sleep-v1', 'spiffe://example.org/ns/default/sa/sleep-v1'],
    ['td', 'a', 'b.c', 'spiffe://td/ns/a/sa/b.c'],
  ])('builds the ID for %s/%s/%s, and it parses back', (td, ns, sa, id) => {
    expect(spiffeId(td, ns, sa)).toBe(id);
    expect(parseSpiffeId(id)).toEqual({ trustDomain: td, namespace: ns, serviceAccount: sa });
  });

  it.each([
    ['Cluster.Local', 'shop', 'booking', 'trustDomain', /trust domain "Cluster.Local"/],
    ['-cluster.local', 'shop', 'booking', 'trustDomain', /trust domain/],
    ['cluster.local', 'Shop', 'booking', 'namespace', /namespace "Shop"/],
    ['cluster.local', '', 'booking', 'namespace', /namespace/],
    ['cluster.local', 'shop', 'a/b', 'serviceAccount', /service account "a\/b"/],
    ['cluster.local', 'shop', 'booking-', 'serviceAccount', /service account/],
  ])('refuses %s/%s/%s, naming the bad part', (td, ns, sa, part, msg) => {
    const thrown = (() => {
      try {
        spiffeId(td, ns, sa);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidSpiffeIdError);
    expect(thrown).toMatchObject({ name: 'InvalidSpiffeIdError', part });
    expect((thrown as Error).message).toMatch(msg);
  });
});

describe('parseSpiffeId', () => {
  it.each([
    ['another shape', 'spiffe://cluster.local/workload/x'],
    ['a missing service account', 'spiffe://cluster.local/ns/shop/sa/'],
    ['extra path segments', 'spiffe://cluster.local/ns/shop/sa/booking/extra'],
    ['another scheme', 'https://cluster.local/ns/shop/sa/booking'],
    ['an upper-case trust domain', 'spiffe://Cluster.local/ns/shop/sa/booking'],
    ['an upper-case namespace', 'spiffe://cluster.local/ns/Shop/sa/booking'],
    ['an empty string', ''],
  ])('rejects %s', (_name, uri) => {
    expect(parseSpiffeId(uri)).toBeUndefined();
  });
});

describe('isValidTrustDomain', () => {
  it.each([
    ['cluster.local', true],
    ['example.org', true],
    ['a', true],
    ['Cluster.local', false],
    ['cluster.local.', false],
    ['', false],
    ['a/b', false],
  ])('%s → %s', (td, valid) => {
    expect(isValidTrustDomain(td)).toBe(valid);
  });
});
