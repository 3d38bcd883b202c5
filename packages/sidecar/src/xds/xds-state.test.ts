import { packAny, TypeUrls } from '@mesh/shared-api';
import type { AnyMessage, XdsResourceType } from '@mesh/shared-api';
import { edsCluster, loadAssignment, outboundListener, routeConfiguration } from '../testing/xds-fixtures.js';
import type { DiscoveryResponseMessage, NodeMessage } from './discovery-messages.js';
import { XdsState } from './xds-state.js';

const NODE: NodeMessage = { id: 'sidecar~127.0.0.1~a-1.default~default.svc.cluster.local', cluster: 'a.default', metadata: { fields: {} }, user_agent_name: 't', locality: {} };
const C = 'outbound|80||a.default.svc.cluster.local';
let nonce = 0;
const response = (type: XdsResourceType, version: string, resources: AnyMessage[]): DiscoveryResponseMessage => ({ type_url: TypeUrls[type], version_info: version, resources, nonce: `n${++nonce}` });
const badRoutes = () => packAny(TypeUrls.RouteConfiguration, { name: '80', virtual_hosts: [{ name: 'v', domains: ['a'], routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: C } }] }] });

describe('XdsState', () => {
  it('opens a stream with CDS and LDS (wildcard), the node only in the first request', () => {
    const reqs = new XdsState().openStream(NODE);
    expect(reqs.map((r) => [r.type_url, r.resource_names, r.version_info, r.response_nonce, r.node?.id])).toEqual([
      [TypeUrls.Cluster, [], '', '', NODE.id],
      [TypeUrls.Listener, [], '', '', undefined],
    ]);
  });

  it('ACKs each type, subscribes EDS from clusters and RDS from listeners, and becomes synced', () => {
    const s = new XdsState();
    s.openStream(NODE);
    const cds = response('Cluster', 'c1', [edsCluster(C)]);
    const o1 = s.handleResponse(cds);
    expect(o1.accepted).toBe(true);
    expect(o1.requests).toEqual([
      { type_url: TypeUrls.Cluster, version_info: 'c1', response_nonce: cds.nonce, resource_names: [] },
      { type_url: TypeUrls.ClusterLoadAssignment, version_info: '', response_nonce: '', resource_names: [C] },
    ]);
    expect(s.synced).toBe(false);
    s.handleResponse(response('ClusterLoadAssignment', 'e1', [loadAssignment(C, [['10.0.0.1', 80]])]));
    const o3 = s.handleResponse(response('Listener', 'l1', [outboundListener(80)]));
    expect(o3.requests[1]).toMatchObject({ type_url: TypeUrls.RouteConfiguration, resource_names: ['80'] });
    expect(s.synced).toBe(false);
    s.handleResponse(response('RouteConfiguration', 'r1', [routeConfiguration(80, [{ name: 'a', namespace: 'default' }])]));
    expect(s.synced).toBe(true);
    const snap = s.snapshot();
    expect([snap.clusters.size, snap.endpoints.size, snap.listeners.size, snap.routes.size]).toEqual([1, 1, 1, 1]);
  });

  it('NACKs with the last accepted version and keeps the last good config', () => {
    const s = new XdsState(() => new Date('2024-01-01T00:00:00Z'));
    s.openStream(NODE);
    s.handleResponse(response('Listener', 'l1', [outboundListener(80)]));
    s.handleResponse(response('RouteConfiguration', 'r1', [routeConfiguration(80, [{ name: 'a', namespace: 'default' }])]));
    const before = s.snapshot();
    const bad = response('RouteConfiguration', 'r2', [badRoutes()]);
    const o = s.handleResponse(bad);
    expect(o.accepted).toBe(false);
    expect(o.requests).toEqual([
      {
        type_url: TypeUrls.RouteConfiguration,
        version_info: 'r1',
        response_nonce: bad.nonce,
        resource_names: ['80'],
        error_detail: { code: 3, message: expect.stringMatching(/RouteConfiguration version r2 rejected: RouteConfiguration 80 .*safe_regex\.regex: invalid regex/) },
      },
    ]);
    expect(s.snapshot()).toBe(before);
    const dump = s.dump().RouteConfiguration;
    expect(dump.version).toBe('r1');
    expect(dump.lastNack).toMatchObject({ version: 'r2', nonce: bad.nonce, at: '2024-01-01T00:00:00.000Z' });
    expect(dump.resources).toHaveLength(1);
  });

  it('replaces LDS/CDS wholesale but merges EDS/RDS by name, pruning what is no longer referenced', () => {
    const s = new XdsState();
    s.openStream(NODE);
    s.handleResponse(response('Cluster', 'c1', [edsCluster('x'), edsCluster('y')]));
    s.handleResponse(response('ClusterLoadAssignment', 'e1', [loadAssignment('x', []), loadAssignment('y', [])]));
    s.handleResponse(response('ClusterLoadAssignment', 'e2', [loadAssignment('x', [['1.1.1.1', 1]])]));
    expect([...s.snapshot().endpoints.keys()]).toEqual(['x', 'y']);
    const o = s.handleResponse(response('Cluster', 'c2', [edsCluster('x')]));
    expect(o.requests[1]).toMatchObject({ type_url: TypeUrls.ClusterLoadAssignment, resource_names: ['x'], version_info: 'e2' });
    expect([...s.snapshot().clusters.keys()]).toEqual(['x']);
    expect([...s.snapshot().endpoints.keys()]).toEqual(['x']);
  });

  it('resubscribes on a new stream with the accepted versions and no nonce', () => {
    const s = new XdsState();
    s.openStream(NODE);
    s.handleResponse(response('Cluster', 'c1', [edsCluster(C)]));
    const reqs = s.openStream(NODE);
    expect(reqs.map((r) => [r.type_url, r.version_info, r.response_nonce, r.resource_names, !!r.node])).toEqual([
      [TypeUrls.Cluster, 'c1', '', [], true],
      [TypeUrls.ClusterLoadAssignment, '', '', [C], false],
      [TypeUrls.Listener, '', '', [], false],
    ]);
  });

  it('NACKs a type it does not serve', () => {
    const o = new XdsState().handleResponse({ type_url: 'type.googleapis.com/x.Y', version_info: '1', resources: [], nonce: 'n' });
    expect(o.requests[0]).toMatchObject({ error_detail: { code: 3 }, response_nonce: 'n' });
  });
});
