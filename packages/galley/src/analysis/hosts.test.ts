import { exportsOverlap, hostMatches, isExportedTo, parseGatewayRef, resolveHost } from './hosts.js';

describe('resolveHost', () => {
  const known = new Set(['reviews.default.svc.cluster.local']);
  it.each([
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews', 'prod', 'reviews.prod.svc.cluster.local'],
    ['reviews.default', 'prod', 'reviews.default.svc.cluster.local'],
    ['reviews.default.svc', 'prod', 'reviews.default.svc.cluster.local'],
    ['ratings.default', 'prod', 'ratings.default'],
    ['reviews.default.svc.cluster.local', 'prod', 'reviews.default.svc.cluster.local'],
    ['*.example.com', 'prod', '*.example.com'],
  ])('resolves %s written in %s to %s', (host, ns, fqdn) => {
    expect(resolveHost(host, ns, 'cluster.local', (h) => known.has(h))).toBe(fqdn);
  });
});

describe('hostMatches', () => {
  it.each([
    ['a.example.com', 'a.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*', 'anything', true],
    ['a.example.com', '*.example.com', false],
  ])('%s covers %s: %s', (pattern, host, expected) => {
    expect(hostMatches(pattern, host)).toBe(expected);
  });
});

describe('exportTo', () => {
  it.each([
    [undefined, 'a', 'b', true],
    [['*'], 'a', 'b', true],
    [['.'], 'a', 'a', true],
    [['.'], 'a', 'b', false],
    [['b'], 'a', 'b', true],
  ])('exportTo %j from %s is visible in %s: %s', (exportTo, own, ns, expected) => {
    expect(isExportedTo(exportTo, own, ns)).toBe(expected);
  });

  it.each([
    [{ exportTo: ['.'], namespace: 'a' }, { exportTo: ['.'], namespace: 'b' }, false],
    [{ exportTo: ['.'], namespace: 'a' }, { exportTo: ['.'], namespace: 'a' }, true],
    [{ exportTo: ['.'], namespace: 'a' }, { exportTo: undefined, namespace: 'b' }, true],
    [{ exportTo: ['c'], namespace: 'a' }, { exportTo: ['.'], namespace: 'c' }, true],
  ])('%j and %j overlap: %s', (a, b, expected) => {
    expect(exportsOverlap(a, b)).toBe(expected);
  });
});

describe('parseGatewayRef', () => {
  it.each([
    ['gw', { namespace: 'default', name: 'gw' }],
    ['other/gw', { namespace: 'other', name: 'gw' }],
    ['gw.other.svc.cluster.local', { namespace: 'other', name: 'gw' }],
  ])('reads %s', (ref, expected) => {
    expect(parseGatewayRef(ref, 'default')).toEqual(expected);
  });
});
