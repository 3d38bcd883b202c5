import { appliesToSidecars, qualifyGateway, resolveHost } from './mesh-index.js';
import { exportedTo, hostMatches, mostSpecificHostMatch } from './host-match.js';

describe('resolveHost', () => {
  const known = new Map([['shipping.default.svc.cluster.local', true]]);
  it.each([
    ['shipping', 'default', 'shipping.default.svc.cluster.local'],
    ['shipping', 'other', 'shipping.other.svc.cluster.local'],
    ['shipping.default', 'other', 'shipping.default.svc.cluster.local'],
    ['shipping.default.svc', 'other', 'shipping.default.svc.cluster.local'],
    ['shipping.default.svc.cluster.local', 'other', 'shipping.default.svc.cluster.local'],
    ['api.example.com', 'default', 'api.example.com'],
    ['*.example.com', 'default', '*.example.com'],
  ])('resolves %s in namespace %s to %s', (host, ns, expected) => {
    expect(resolveHost(host, ns, 'cluster.local', known)).toBe(expected);
  });
});

describe('hostMatches', () => {
  it.each([
    ['*', 'a.b.svc.cluster.local', true],
    ['*.default.svc.cluster.local', 'a.default.svc.cluster.local', true],
    ['*.default.svc.cluster.local', 'a.other.svc.cluster.local', false],
    ['*.example.com', '*.api.example.com', true],
    ['*.api.example.com', '*.example.com', false],
    ['a.example.com', 'a.example.com', true],
  ])('%s matches %s: %s', (pattern, host, expected) => {
    expect(hostMatches(pattern, host)).toBe(expected);
  });

  it('picks the exact host, else the longest wildcard', () => {
    const m = new Map([['*', 1], ['*.example.com', 2], ['a.example.com', 3]]);
    expect(mostSpecificHostMatch('a.example.com', m)).toBe(3);
    expect(mostSpecificHostMatch('b.example.com', m)).toBe(2);
    expect(mostSpecificHostMatch('b.other.org', m)).toBe(1);
  });
});

describe('exportedTo', () => {
  it.each([
    [undefined, 'a', 'b', true],
    [['*'], 'a', 'b', true],
    [['.'], 'a', 'a', true],
    [['.'], 'a', 'b', false],
    [['b'], 'a', 'b', true],
  ])('exportTo %p from %s is visible in %s: %s', (exportTo, own, ns, expected) => {
    expect(exportedTo(exportTo, own, ns)).toBe(expected);
  });
});

describe('appliesToSidecars and qualifyGateway', () => {
  it.each([
    [undefined, true],
    [[], true],
    [['mesh'], true],
    [['ingress', 'mesh'], true],
    [['ingress'], false],
  ])('gateways %p → %s', (gateways, expected) => {
    expect(appliesToSidecars(gateways)).toBe(expected);
  });

  it.each([
    ['gw', 'ns', 'ns/gw'],
    ['other/gw', 'ns', 'other/gw'],
    ['mesh', 'ns', 'mesh'],
    ['gw.istio-system.svc.cluster.local', 'ns', 'istio-system/gw'],
  ])('qualifies %s in %s as %s', (g, ns, expected) => {
    expect(qualifyGateway(g, ns)).toBe(expected);
  });
});
