import type { VirtualHostModel } from './model.js';
import { VirtualHostIndex } from './virtual-hosts.js';

const vh = (name: string, ...domains: string[]): VirtualHostModel => ({ name, domains, routes: [] });

describe('VirtualHostIndex', () => {
  const index = new VirtualHostIndex([
    vh('catch-all', '*'),
    vh('prefix', 'shop.*'),
    vh('suffix-short', '*.com'),
    vh('suffix-long', '*.example.com'),
    vh('exact', 'api.example.com', 'api.example.com:8080'),
  ]);

  it.each([
    ['api.example.com', 'exact'],
    ['API.Example.COM', 'exact'],
    ['api.example.com:8080', 'exact'],
    ['www.example.com', 'suffix-long'],
    ['other.com', 'suffix-short'],
    ['shop.local', 'prefix'],
    ['unknown', 'catch-all'],
    ['example.com', 'suffix-short'],
  ])('sends %s to %s (exact, then longest suffix, then prefix, then *)', (authority, expected) => {
    expect(index.find(authority)?.name).toBe(expected);
  });

  it('requires a wildcard to match at least one character', () => {
    expect(new VirtualHostIndex([vh('s', '*.example.com')]).find('.example.com')).toBeUndefined();
  });

  it('finds nothing without a catch-all', () => {
    expect(new VirtualHostIndex([vh('a', 'a')]).find('b')).toBeUndefined();
  });
});
