import { freePort, silentLogger } from '@mesh/runtime/testing';
import { FakeAdsServer } from '../testing/fake-ads-server.js';
import { edsCluster, loadAssignment, outboundListener, routeConfiguration } from '../testing/xds-fixtures.js';
import { AdsClient } from './ads-client.js';
import { Backoff } from './backoff.js';
import type { ResponseOutcome } from './xds-state.js';
import { XdsState } from './xds-state.js';

const NODE = { id: 'sidecar~127.0.0.1~t.default~default.svc.cluster.local', cluster: 't.default', metadata: { fields: {} }, user_agent_name: 't', locality: {} as Record<string, never> };

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Backoff', () => {
  it('doubles up to the cap and resets', () => {
    const b = new Backoff(100, 1000, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('AdsClient', () => {
  let server: FakeAdsServer | undefined;
  let client: AdsClient | undefined;

  afterEach(async () => {
    await client?.stop();
    await server?.stop();
  });

  it('keeps retrying an absent Pilot with backoff, then syncs once Pilot is up', async () => {
    const port = await freePort();
    const state = new XdsState();
    const outcomes: ResponseOutcome[] = [];
    client = new AdsClient({ address: `127.0.0.1:${port}`, node: NODE, state, logger: silentLogger(), onResponse: (o) => outcomes.push(o), backoff: new Backoff(20, 100) });
    client.start();
    await eventually(() => client!.streams >= 3);
    expect(state.synced).toBe(false);

    server = new FakeAdsServer();
    const C = 'outbound|80||a.default.svc.cluster.local';
    server.set('Cluster', [edsCluster(C)]);
    server.set('ClusterLoadAssignment', [loadAssignment(C, [['127.0.0.1', 1]])]);
    server.set('Listener', [outboundListener(80)]);
    server.set('RouteConfiguration', [routeConfiguration(80, [{ name: 'a', namespace: 'default' }])]);
    await server.start(port);
    await eventually(() => state.synced, 8000);
    expect(outcomes.map((o) => o.type).sort()).toEqual(['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);
    // Every response was ACKed with its version and nonce.
    await eventually(() => server!.requests.filter((r) => r.request.response_nonce !== '').length === 4);
    expect(server.requests.filter((r) => r.request.response_nonce !== '').every((r) => !r.stale && !r.request.error_detail && r.request.version_info === 'v1')).toBe(true);
  });
});
