import { formatSyncz, syncState } from './proxy-status.js';

describe('proxy-status', () => {
  it.each([
    [undefined, 'NOT SENT'],
    [{ sent: 'a', acked: 'a' }, 'SYNCED'],
    [{ sent: 'b', acked: 'a' }, 'STALE'],
    [{ sent: 'b', acked: 'a', lastNack: { message: 'bad regex' } }, 'NACKED'],
    [{ sent: 'c', acked: 'c', lastNack: { message: 'old problem' } }, 'SYNCED'],
  ])('state of %j is %s', (t, expected) => {
    expect(syncState(t)).toBe(expected);
  });

  it('renders one row per proxy and lists each NACK with its message', () => {
    const out = formatSyncz([
      { proxyId: 'sidecar~a', types: { Cluster: { sent: '1', acked: '1' }, Listener: { sent: '1', acked: '1' }, ClusterLoadAssignment: { sent: '1', acked: '1' }, RouteConfiguration: { sent: '2', acked: '1', lastNack: { message: 'route "x": invalid regex' } } } },
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CDS\s+LDS\s+EDS\s+RDS$/);
    expect(lines[1]).toMatch(/^sidecar~a\s+SYNCED\s+SYNCED\s+SYNCED\s+NACKED$/);
    expect(lines[2]).toBe('sidecar~a rejected RDS: route "x": invalid regex');
  });
});
