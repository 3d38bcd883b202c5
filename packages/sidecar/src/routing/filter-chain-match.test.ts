import { selectFilterChain } from './filter-chain-match.js';
import type { FilterChainModel, ListenerModel } from './model.js';

const listener = (chains: FilterChainModel[]): ListenerModel => ({ name: 'l', address: '0.0.0.0', port: 443, filterChains: chains });
const tls = (serverName?: string) => ({ destinationPort: 443, transportProtocol: 'tls' as const, ...(serverName ? { serverName } : {}) });

describe('selectFilterChain', () => {
  const l = listener([
    { name: 'wild', match: { serverNames: ['*.example.com'] } },
    { name: 'exact', match: { serverNames: ['api.example.com'] } },
    { name: 'deeper', match: { serverNames: ['*.eu.example.com'] } },
    { name: 'tls-any', match: { transportProtocol: 'tls' } },
    { name: 'plain' },
  ]);

  it.each([
    ['api.example.com', 'exact'],
    ['web.example.com', 'wild'],
    ['x.eu.example.com', 'deeper'],
    ['other.org', 'tls-any'],
    [undefined, 'tls-any'],
  ])('sends SNI %s to %s', (sni, name) => {
    expect(l.filterChains[selectFilterChain(l, tls(sni))!]!.name).toBe(name);
  });

  it('sends a plaintext connection to the chain without criteria', () => {
    expect(l.filterChains[selectFilterChain(l, { destinationPort: 443, transportProtocol: 'raw_buffer' })!]!.name).toBe('plain');
  });

  it('prefers a matching destination port and finds nothing when every chain asks for something else', () => {
    const byPort = listener([{ name: 'any' }, { name: 'p9080', destinationPort: 9080 }]);
    expect(byPort.filterChains[selectFilterChain(byPort, { destinationPort: 9080, transportProtocol: 'raw_buffer' })!]!.name).toBe('p9080');
    expect(selectFilterChain(listener([{ match: { serverNames: ['a.com'] } }]), tls('b.com'))).toBeUndefined();
  });
});
