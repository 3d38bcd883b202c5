import { formatCallers, inboundCallers } from './mtls-summary.js';

describe('inboundCallers', () => {
  it('counts inbound access-log records by the verified caller identity, plaintext last', () => {
    const log = [
      { direction: 'inbound', downstream_peer_uri_san: 'spiffe://cluster.local/ns/default/sa/booking' },
      { direction: 'inbound', downstream_peer_uri_san: 'spiffe://cluster.local/ns/default/sa/booking' },
      { direction: 'inbound', downstream_peer_uri_san: null },
      { direction: 'outbound', downstream_peer_uri_san: null },
      { direction: 'inbound', downstream_peer_uri_san: 'spiffe://cluster.local/ns/default/sa/admin' },
    ]
      .map((r) => JSON.stringify(r))
      .concat(['not json', ''])
      .join('\n');
    const callers = inboundCallers(log);
    expect([...callers.entries()].sort()).toEqual([
      ['plaintext', 1],
      ['spiffe://cluster.local/ns/default/sa/admin', 1],
      ['spiffe://cluster.local/ns/default/sa/booking', 2],
    ]);
    expect(formatCallers(callers)).toBe('spiffe://cluster.local/ns/default/sa/admin 1, spiffe://cluster.local/ns/default/sa/booking 2, plaintext 1');
    expect(formatCallers(new Map())).toBe('no inbound requests');
  });
});
