import type { AttrValue } from '@mesh/shared-api';
import type { Exchange } from '../proxy/exchange.js';
import { checkAttributes, ipBytes, mixerPolicyCheck } from './policy-check.js';

/** The parts of an Exchange that Check attributes are read from. */
function exchange(direction: 'inbound' | 'outbound', extra: Partial<Record<'peer' | 'conn', unknown>> = {}): Exchange {
  return {
    ctx: { direction, self: { labels: { service: 'shipping-service', namespace: 'default', workload: 'shipping-v1', app: 'shipping-service', version: 'v1' } } },
    peer: { service: 'booking-service', namespace: 'default', workload: 'booking-v1', app: 'booking-service', version: 'v1', serviceAccount: 'booking' },
    facts: { method: 'GET', path: '/api/v1/shipping/quote?x=1', authority: 'shipping-service', headers: { 'user-agent': 'curl/8', 'x-user': 'jason' } },
    conn: { remoteAddress: '::ffff:10.1.2.3', remotePort: 5555, localAddress: '127.0.0.1', localPort: 15006, encrypted: true, peerPrincipal: 'cluster.local/ns/default/sa/booking' },
    secure: true,
    requestId: 'req-1',
    startTime: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  } as unknown as Exchange;
}

describe('checkAttributes', () => {
  it("builds Istio's Check attributes of an inbound request", () => {
    const bag = checkAttributes(exchange('inbound'), { uid: 'kubernetes://shipping-v1.default', domainSuffix: 'cluster.local' }, 'cluster.local');
    expect(Object.fromEntries(bag)).toMatchObject({
      'context.reporter.kind': 'inbound',
      'source.labels': { app: 'booking-service', version: 'v1' },
      'source.principal': 'cluster.local/ns/default/sa/booking',
      'source.ip': Uint8Array.from([10, 1, 2, 3]),
      'destination.labels': { app: 'shipping-service', version: 'v1' },
      'destination.namespace': 'default',
      'destination.service.host': 'shipping-service.default.svc.cluster.local',
      'destination.port': 15006n,
      'connection.mtls': true,
      'request.headers': { 'user-agent': 'curl/8', 'x-user': 'jason' },
      'request.path': '/api/v1/shipping/quote?x=1',
      'request.url_path': '/api/v1/shipping/quote',
      'request.scheme': 'https',
      'request.useragent': 'curl/8',
    } satisfies Record<string, AttrValue>);
  });

  it('leaves out what it does not know (a caller without peer metadata)', () => {
    const bag = checkAttributes(exchange('inbound', { peer: undefined, conn: { remoteAddress: '127.0.0.1', localPort: 15006, encrypted: false } }), { uid: 'u', domainSuffix: 'cluster.local' }, 'cluster.local');
    expect(bag.get('source.labels')).toEqual({});
    expect(bag.has('source.principal')).toBe(false);
    expect(bag.has('source.namespace')).toBe(false);
    expect(bag.get('connection.mtls')).toBe(false);
  });

  it('checks inbound requests only', async () => {
    const seen: ReadonlyMap<string, AttrValue>[] = [];
    const hook = mixerPolicyCheck({ check: async (bag) => (seen.push(bag), { allow: true }) }, { uid: 'u', domainSuffix: 'cluster.local' }, 'cluster.local');
    expect(hook(exchange('outbound'))).toBeUndefined();
    expect(await hook(exchange('inbound'))).toEqual({ allow: true });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['10.0.0.1', [10, 0, 0, 1]],
    ['::ffff:192.168.0.9', [192, 168, 0, 9]],
    ['::1', undefined],
  ])('turns %s into IP bytes', (addr, bytes) => {
    expect(ipBytes(addr)).toEqual(bytes ? Uint8Array.from(bytes) : undefined);
  });
});
