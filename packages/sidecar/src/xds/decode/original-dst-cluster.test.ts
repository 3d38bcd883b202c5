import { packAny, TypeUrls } from '@mesh/shared-api';
import { decodeResources, nackMessage } from '../decoders.js';

function decode(extra: Record<string, unknown>) {
  return decodeResources('Cluster', [packAny(TypeUrls.Cluster, { name: 'PassthroughCluster', type: 'ORIGINAL_DST', connect_timeout: { seconds: 10 }, ...extra })]);
}

describe('ORIGINAL_DST clusters', () => {
  it('accepts what Pilot sends for PassthroughCluster (CLUSTER_PROVIDED, circuit breakers)', () => {
    const r = decode({ lb_policy: 'CLUSTER_PROVIDED', circuit_breakers: { thresholds: [{ max_connections: { value: 4294967295 } }] } });
    if (!r.ok) throw new Error(nackMessage(r.errors));
    expect(r.value[0]!.model).toMatchObject({ name: 'PassthroughCluster', type: 'ORIGINAL_DST', connectTimeoutMs: 10000, originalDst: { useHttpHeader: false, httpHeaderName: 'x-envoy-original-dst-host' } });
  });

  it('decodes original_dst_lb_config', () => {
    const r = decode({ lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { use_http_header: true, http_header_name: 'X-Dst', upstream_port_override: { value: 8443 } } });
    if (!r.ok) throw new Error(nackMessage(r.errors));
    expect(r.value[0]!.model).toMatchObject({ originalDst: { useHttpHeader: true, httpHeaderName: 'x-dst', portOverride: 8443 } });
  });

  it.each([
    [{ lb_policy: 'ROUND_ROBIN' }, 'lb_policy ROUND_ROBIN is not valid for an ORIGINAL_DST cluster'],
    [{}, 'lb_policy ROUND_ROBIN is not valid for an ORIGINAL_DST cluster'],
    [{ lb_policy: 'CLUSTER_PROVIDED', load_assignment: { cluster_name: 'PassthroughCluster', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } }] }] } }, 'must not list endpoints'],
  ])('refuses (NACK) %j', (extra, message) => {
    const r = decode(extra);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(nackMessage(r.errors)).toContain(message);
  });
});
