import { parseCidr } from '../security/authz/cidr.js';
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

  it('matches prefix_ranges on the destination address, the longest prefix first', () => {
    const cidr = (a: string, len: number) => parseCidr(a, len)!;
    const l = listener([
      { name: 'subnet', match: { prefixRanges: [cidr('10.96.0.0', 12)] } },
      { name: 'vip', match: { prefixRanges: [cidr('10.0.0.0', 8), cidr('10.96.0.10', 32)] } },
      { name: 'default' },
    ]);
    const pick = (destinationAddress?: string) => l.filterChains[selectFilterChain(l, { destinationPort: 3306, transportProtocol: 'raw_buffer', ...(destinationAddress ? { destinationAddress } : {}) })!]!.name;
    expect(pick('10.96.0.10')).toBe('vip');
    expect(pick('10.100.1.1')).toBe('subnet');
    expect(pick('10.1.1.1')).toBe('vip');
    expect(pick('192.168.0.1')).toBe('default');
    expect(pick(undefined)).toBe('default');
    expect(selectFilterChain(listener([{ match: { prefixRanges: [cidr('10.0.0.0', 8)] } }]), { destinationPort: 1, transportProtocol: 'raw_buffer', destinationAddress: '11.0.0.1' })).toBeUndefined();
  });
});
