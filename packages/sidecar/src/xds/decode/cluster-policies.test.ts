import { packAny, TypeUrls } from '@mesh/shared-api';
import { decodeResources, nackMessage } from '../decoders.js';
import { ExtensionTypeUrls, packTyped } from './typed-config.js';

function decodeCluster(extra: Record<string, unknown>) {
  return decodeResources('Cluster', [packAny(TypeUrls.Cluster, { name: 'c', type: 'EDS', eds_cluster_config: { service_name: 'c' }, ...extra })]);
}

function model(extra: Record<string, unknown>) {
  const r = decodeCluster(extra);
  if (!r.ok) throw new Error(nackMessage(r.errors));
  return r.value[0]!.model;
}

describe('Cluster policies', () => {
  it('decodes load balancer settings', () => {
    expect(model({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: { value: 3 } } })).toMatchObject({ lbPolicy: 'LEAST_REQUEST', choiceCount: 3 });
    expect(model({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '2048' } } })).toMatchObject({ lbPolicy: 'RING_HASH', ringSize: { min: 2048, max: 8388608 } });
    expect(model({ lb_policy: 'MAGLEV' })).toMatchObject({ lbPolicy: 'MAGLEV', maglevTableSize: 65537 });
  });

  it('decodes circuit breakers with Envoy’s defaults for unset fields', () => {
    expect(model({ circuit_breakers: { thresholds: [{ max_connections: { value: 1 }, max_pending_requests: { value: 2 } }, { priority: 'HIGH', max_retries: { value: 9 } }] } }).thresholds).toEqual({
      DEFAULT: { maxConnections: 1, maxPendingRequests: 2, maxRequests: 1024, maxRetries: 3 },
      HIGH: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 9 },
    });
  });

  it('decodes outlier detection with Envoy’s defaults', () => {
    expect(model({ outlier_detection: { consecutive_gateway_failure: { value: 7 }, enforcing_consecutive_gateway_failure: { value: 100 } } }).outlierDetection).toMatchObject({
      consecutive5xx: 5,
      consecutiveGatewayFailure: 7,
      enforcingConsecutiveGatewayFailure: 100,
      intervalMs: 10000,
      baseEjectionTimeMs: 30000,
      maxEjectionPercent: 10,
    });
  });

  it('decodes upstream HTTP options from the deprecated fields and from typed_extension_protocol_options', () => {
    expect(model({ http2_protocol_options: {}, max_requests_per_connection: { value: 5 } }).http).toEqual({ protocol: 'http2', maxRequestsPerConnection: 5, idleTimeoutMs: 3_600_000 });
    const typed = packTyped(ExtensionTypeUrls.HttpProtocolOptions, { common_http_protocol_options: { idle_timeout: { seconds: 30 } }, explicit_http_config: { http2_protocol_options: {} } });
    expect(model({ typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed } }).http).toEqual({ protocol: 'http2', idleTimeoutMs: 30_000 });
    expect(model({ common_lb_config: { healthy_panic_threshold: { value: 0 } } }).panicThresholdPercent).toBe(0);
  });

  it.each([
    [{ lb_policy: 'CLUSTER_PROVIDED' }, /lb_policy CLUSTER_PROVIDED is not supported/],
    [{ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: '100' } } }, /table_size 100 must be a prime/],
    [{ circuit_breakers: { thresholds: [{ retry_budget: {} }] } }, /retry budgets are not supported/],
    [{ outlier_detection: { max_ejection_percent: { value: 150 } } }, /max_ejection_percent must be at most 100/],
    [{ outlier_detection: { split_external_local_origin_errors: true } }, /splitting local-origin errors/],
  ])('NACKs %j', (extra, message) => {
    const r = decodeCluster(extra);
    expect(r.ok ? '' : nackMessage(r.errors)).toMatch(message);
  });

  it('decodes Istio auto mTLS: transport_socket_matches by tlsMode, ISTIO_MUTUAL over SDS with the expected SANs, and endpoint tlsMode metadata', () => {
    const sds = (name: string) => ({ name, sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } });
    const istioMutual = {
      name: 'envoy.transport_sockets.tls',
      typed_config: packTyped(ExtensionTypeUrls.UpstreamTlsContext, {
        common_tls_context: {
          tls_certificate_sds_secret_configs: [sds('default')],
          combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/foo/sa/httpbin' }] }, validation_context_sds_secret_config: sds('ROOTCA') },
          alpn_protocols: ['istio'],
        },
        sni: 'outbound_.8000_._.httpbin.foo.svc.cluster.local',
      }),
    };
    const raw = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer', value: Buffer.alloc(0) } };
    const m = model({
      transport_socket_matches: [
        { name: 'tlsMode-istio', match: { fields: { tlsMode: { stringValue: 'istio' } } }, transport_socket: istioMutual },
        { name: 'tlsMode-disabled', match: { fields: {} }, transport_socket: raw },
      ],
    });
    expect(m.transport).toEqual({
      matches: [
        {
          name: 'tlsMode-istio',
          match: { tlsMode: 'istio' },
          tls: {
            certificate: { kind: 'sds', name: 'default' },
            validation: { kind: 'sds', name: 'ROOTCA' },
            matchSubjectAltNames: [{ kind: 'exact', value: 'spiffe://cluster.local/ns/foo/sa/httpbin', ignoreCase: false }],
            sni: 'outbound_.8000_._.httpbin.foo.svc.cluster.local',
            alpn: ['istio'],
          },
        },
        { name: 'tlsMode-disabled', match: {} },
      ],
    });
    const cla = decodeResources('ClusterLoadAssignment', [
      packAny(TypeUrls.ClusterLoadAssignment, {
        cluster_name: 'c',
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } }, metadata: { filter_metadata: { 'envoy.transport_socket_match': { fields: { tlsMode: { stringValue: 'istio' } } } } } }] }],
      }),
    ]);
    if (!cla.ok) throw new Error(nackMessage(cla.errors));
    expect(cla.value[0]!.model.endpoints).toEqual([{ address: '10.0.0.1', port: 80, transportMatch: { tlsMode: 'istio' } }]);
  });

  it('NACKs an upstream TLS context naming a secret the agent does not serve', () => {
    const r = decodeCluster({ transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: packTyped(ExtensionTypeUrls.UpstreamTlsContext, { common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'file-cert:/x' }] } }) } });
    expect(r.ok ? '' : nackMessage(r.errors)).toMatch(/SDS secret file-cert:\/x is not served/);
  });
});
