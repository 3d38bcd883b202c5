import { createProcessMetrics } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { TypeUrls } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import { PilotMetrics } from '../admin/pilot-metrics.js';
import type { Proxy } from '../model/proxy.js';
import type { GeneratedResources } from '../translate/resources.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-request.js';
import { buildSnapshot } from './snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';
import { XdsStream } from './xds-stream.js';

const processMetrics = createProcessMetrics('test');
afterAll(() => processMetrics.shutdown());

const proxy: Proxy = { id: 'p', type: 'sidecar', namespace: 'default', labels: {}, workloadName: 'w', serviceAccount: 'default', ip: '10.0.0.1', serviceHostname: undefined, serviceName: '', ports: [] };

function resources(clusterNames: string[], routeCluster = clusterNames[0] ?? 'none'): GeneratedResources {
  return {
    Cluster: clusterNames.map((name) => ({ name, type: 'EDS', eds_cluster_config: { service_name: name, eds_config: { ads: {} } } })),
    ClusterLoadAssignment: clusterNames.map((cluster_name) => ({ cluster_name, endpoints: [] })),
    Listener: [{ name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': TypeUrls.HttpConnectionManager, stat_prefix: 's', rds: { route_config_name: '80' } } }] }] }],
    RouteConfiguration: [{ name: '80', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: routeCluster } }] }] }],
  };
}

function setup(): { stream: XdsStream; sent: DiscoveryResponse[]; cache: SnapshotCache; request: (type: XdsResourceType, r?: Partial<DiscoveryRequest>) => void } {
  const cache = new SnapshotCache();
  const sent: DiscoveryResponse[] = [];
  const stream = new XdsStream(
    's1',
    {
      send: (r) => void sent.push(r),
      fail: (m) => {
        throw new Error(m);
      },
      connect: () => {
        cache.set('s1', buildSnapshot(resources(['a']), Date.now()));
        return { ok: true, proxy };
      },
    },
    cache,
    silentLogger(),
    new PilotMetrics(processMetrics.meter),
  );
  const request = (type: XdsResourceType, r: Partial<DiscoveryRequest> = {}): void =>
    stream.handleRequest({ versionInfo: '', node: { id: 'p', cluster: '', metadata: {}, userAgent: '' }, resourceNames: [], typeUrl: TypeUrls[type], responseNonce: '', errorDetail: undefined, ...r });
  return { stream, sent, cache, request };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('XdsStream', () => {
  it('answers subscriptions that arrive together in push order, only for subscribed types', async () => {
    const { stream, sent, request } = setup();
    request('RouteConfiguration');
    request('Listener');
    request('Cluster');
    await tick();
    expect(sent.map((r) => r.type_url)).toEqual([TypeUrls.Cluster, TypeUrls.Listener, TypeUrls.RouteConfiguration]);
    stream.close();
  });

  it('does not resend a NACKed version, and sends the next version', async () => {
    const { stream, sent, cache, request } = setup();
    request('Cluster');
    await tick();
    const first = sent[0]!;
    request('Cluster', { versionInfo: first.version_info, responseNonce: first.nonce });
    cache.set('s1', buildSnapshot(resources(['a', 'b']), Date.now()));
    await tick();
    const second = sent[1]!;
    expect(second.version_info).not.toBe(first.version_info);
    request('Cluster', { versionInfo: first.version_info, responseNonce: second.nonce, errorDetail: { code: 3, message: 'no' } });
    cache.set('s1', buildSnapshot(resources(['a', 'b']), Date.now()));
    await tick();
    expect(sent).toHaveLength(2);
    expect(stream.types.get('Cluster')).toMatchObject({ acked: { version: first.version_info }, lastNack: { message: 'no', version: second.version_info } });
    cache.set('s1', buildSnapshot(resources(['a', 'b', 'c']), Date.now()));
    await tick();
    expect(sent).toHaveLength(3);
    stream.close();
  });

  it('ignores stale nonces and resends when an ACK changes the requested names', async () => {
    const { stream, sent, cache, request } = setup();
    cache.set('s1', buildSnapshot(resources(['a', 'b']), Date.now()));
    request('ClusterLoadAssignment');
    await tick();
    cache.set('s1', buildSnapshot(resources(['a', 'b', 'c']), Date.now()));
    await tick();
    expect(sent).toHaveLength(2);
    request('ClusterLoadAssignment', { responseNonce: sent[0]!.nonce, errorDetail: { message: 'old' } });
    await tick();
    expect(stream.types.get('ClusterLoadAssignment')!.lastNack).toBeUndefined();
    request('ClusterLoadAssignment', { versionInfo: sent[1]!.version_info, responseNonce: sent[1]!.nonce, resourceNames: ['b'] });
    await tick();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.resources).toHaveLength(1);
    stream.close();
  });

  it('sends only the EDS resources whose content changed, and all of them after a NACK', async () => {
    const { stream, sent, cache, request } = setup();
    const withEndpoint = (ip: string): ReturnType<typeof resources> => {
      const r = resources(['a', 'b']);
      r.ClusterLoadAssignment = [{ cluster_name: 'a', endpoints: [] }, { cluster_name: 'b', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: 80 } } } }] }] }];
      return r;
    };
    request('ClusterLoadAssignment', { resourceNames: ['a', 'b'] });
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.resources).toHaveLength(1);
    const ack = (i: number): void => request('ClusterLoadAssignment', { resourceNames: ['a', 'b'], versionInfo: sent[i]!.version_info, responseNonce: sent[i]!.nonce });
    ack(0);
    cache.set('s1', buildSnapshot(withEndpoint('10.0.0.1'), Date.now()));
    await tick();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.resources).toHaveLength(1);
    ack(1);
    cache.set('s1', buildSnapshot(withEndpoint('10.0.0.2'), Date.now()));
    await tick();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.resources).toHaveLength(1);
    request('ClusterLoadAssignment', { resourceNames: ['a', 'b'], versionInfo: sent[1]!.version_info, responseNonce: sent[2]!.nonce, errorDetail: { message: 'no' } });
    cache.set('s1', buildSnapshot(withEndpoint('10.0.0.3'), Date.now()));
    await tick();
    expect(sent[3]!.resources).toHaveLength(2);
    stream.close();
  });

  it('sends nothing after close', async () => {
    const { stream, sent, request } = setup();
    request('Cluster');
    stream.close();
    await tick();
    expect(sent).toHaveLength(0);
  });
});
