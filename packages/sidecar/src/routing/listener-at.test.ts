import { INBOUND_LISTENER } from '@mesh/shared-api';
import { ClusterRuntimes } from './cluster-runtime.js';
import type { ListenerModel, ResourceSnapshot } from './model.js';
import { RoutingTable } from './routing-table.js';

const tcp = (name: string, address: string, port: number, extra: Partial<ListenerModel> = {}): ListenerModel => ({
  name,
  address,
  port,
  filterChains: [{ tcp: { statPrefix: name, clusters: [{ name: 'c', weight: 1 }], totalWeight: 1, idleTimeoutMs: 0, maxConnectAttempts: 1 } }],
  ...extra,
});

function table(listeners: ListenerModel[]): RoutingTable {
  const snapshot: ResourceSnapshot = { listeners: new Map(listeners.map((l) => [l.name, l])), routes: new Map(), clusters: new Map(), endpoints: new Map() };
  return new RoutingTable(snapshot, { random: () => 0, runtimes: new ClusterRuntimes() });
}

describe('RoutingTable listener hand-off (use_original_dst)', () => {
  const t = table([
    tcp('10.96.0.10_3306', '10.96.0.10', 3306),
    tcp('0.0.0.0_3306', '0.0.0.0', 3306),
    tcp('0.0.0.0_9000', '0.0.0.0', 9000),
    tcp('::_9000', '::', 9000),
    tcp('virtualOutbound', '0.0.0.0', 15001, { useOriginalDst: true }),
    tcp(INBOUND_LISTENER, '0.0.0.0', 15006),
    { name: 'no-chains', address: '0.0.0.0', port: 7000, filterChains: [] },
  ]);

  it.each([
    ['10.96.0.10', 3306, '10.96.0.10_3306'],
    ['10.96.0.11', 3306, '0.0.0.0_3306'],
    ['192.168.1.1', 9000, '0.0.0.0_9000'],
    ['fd00::1', 9000, '::_9000'],
    ['10.0.0.1', 15001, 'virtualOutbound'],
  ])('hands %s:%d to %s (exact address first, then the wildcard)', (address, port, name) => {
    expect(t.listenerAt(address, port)?.name).toBe(name);
  });

  it('never hands outbound connections to virtualInbound, nor to a listener without chains', () => {
    expect(t.listenerAt('10.0.0.1', 15006)).toBeUndefined();
    expect(t.listenerAt('10.0.0.1', 7000)).toBeUndefined();
    expect(t.listenerAt('10.0.0.1', 1234)).toBeUndefined();
  });

  it('knows the virtual outbound listener, if any', () => {
    expect(t.virtualOutbound()?.name).toBe('virtualOutbound');
    expect(table([tcp('0.0.0.0_9000', '0.0.0.0', 9000)]).virtualOutbound()).toBeUndefined();
  });
});
