import { appliesToSidecars, resolveHost, wildcardMatches } from './mesh-index.js';

describe('resolveHost', () => {
  const known = new Map([['shipping.default.svc.cluster.local', true]]);
  it.each([
    ['shipping', 'default', 'shipping.default.svc.cluster.local'],
    ['shipping', 'other', 'shipping.other.svc.cluster.local'],
    ['shipping.default', 'other', 'shipping.default.svc.cluster.local'],
    ['shipping.default.svc', 'other', 'shipping.default.svc.cluster.local'],
    ['shipping.default.svc.cluster.local', 'other', 'shipping.default.svc.cluster.local'],
    ['api.example.com', 'default', 'api.example.com'],
  ])('resolves %s in namespace %s to %s', (host, ns, expected) => {
    expect(resolveHost(host, ns, 'cluster.local', known)).toBe(expected);
  });
});

describe('wildcardMatches', () => {
  it.each([
    ['*', 'a.b.svc.cluster.local', true],
    ['*.default.svc.cluster.local', 'a.default.svc.cluster.local', true],
    ['*.default.svc.cluster.local', 'a.other.svc.cluster.local', false],
  ])('%s matches %s: %s', (pattern, host, expected) => {
    expect(wildcardMatches(pattern, host)).toBe(expected);
  });
});

describe('appliesToSidecars', () => {
  it.each([
    [undefined, true],
    [[], true],
    [['mesh'], true],
    [['ingress', 'mesh'], true],
    [['ingress'], false],
  ])('gateways %p → %s', (gateways, expected) => {
    expect(appliesToSidecars(gateways)).toBe(expected);
  });
});
