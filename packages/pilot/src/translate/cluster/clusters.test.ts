import path from 'node:path';
import type { DestinationRuleSpec } from '../../model/networking-specs.js';
import { config, golden, translate, wireProblems, workload } from '../../testing/translate-fixtures.js';
import type { MeshFixture } from '../../testing/translate-fixtures.js';
import type { XdsResource } from '../resources.js';

const TESTDATA = path.join(__dirname, '..', 'testdata', 'clusters');
const HOST = 'reviews.default.svc.cluster.local';

const sleep = workload({ name: 'sleep-1', app: 'sleep', ip: '10.1.0.1', ports: [] });
const ports = [
  { name: 'http', port: 9080, endpointPort: 15006, targetPort: 9080, protocol: 'HTTP' as const },
  { name: 'grpc', port: 9090, endpointPort: 15006, targetPort: 9090, protocol: 'GRPC' as const },
];
const reviews = ['v1', 'v2'].map((v, i) => workload({ name: `reviews-${v}`, app: 'reviews', version: v, ip: `10.1.1.${i + 1}`, ports, serviceAccount: 'bookinfo-reviews' }));

const mesh = (spec: Omit<DestinationRuleSpec, 'host'>, extra: MeshFixture = {}): MeshFixture => ({
  workloads: [sleep, ...reviews],
  configs: [config('DestinationRule', 'reviews', { host: 'reviews', ...spec }), ...(extra.configs ?? [])],
  ...(extra.settings ? { settings: extra.settings } : {}),
});

/** One case per DestinationRule feature; the golden file holds reviews' clusters. */
const cases: [string, MeshFixture][] = [
  ['lb-simple', mesh({ trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }] })],
  ['lb-passthrough', mesh({ trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } })],
  ['lb-consistent-hash', mesh({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', minimumRingSize: 2048 } } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }] })],
  [
    'connection-pool',
    mesh({
      trafficPolicy: {
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeout: '30ms', tcpKeepalive: { probes: 3, time: '7200s', interval: '75s' } },
          http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 1, maxRetries: 3, idleTimeout: '30s' },
        },
      },
    }),
  ],
  ['outlier-detection', mesh({ trafficPolicy: { outlierDetection: { consecutiveErrors: 7, interval: '5m', baseEjectionTime: '15m', maxEjectionPercent: 40, minHealthPercent: 20 } }, subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, consecutiveGatewayErrors: 0 } } }] })],
  ['tls-simple', mesh({ trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/etc/certs/ca.pem', subjectAltNames: ['reviews.example.com'], sni: 'reviews.example.com' } } })],
  ['tls-mutual', mesh({ trafficPolicy: { tls: { mode: 'MUTUAL', clientCertificate: '/etc/certs/cert.pem', privateKey: '/etc/certs/key.pem', caCertificates: '/etc/certs/ca.pem' } } })],
  ['tls-istio-mutual', mesh({ trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', sni: 'custom-sni' } } }] })],
  [
    'port-level-settings',
    mesh({
      trafficPolicy: {
        loadBalancer: { simple: 'RANDOM' },
        connectionPool: { tcp: { maxConnections: 10 } },
        portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'LEAST_CONN' }, tls: { mode: 'ISTIO_MUTUAL' } }],
      },
    }),
  ],
  [
    'auto-mtls',
    mesh({ subsets: [{ name: 'v1', labels: { version: 'v1' } }] }, {
      configs: [config('PeerAuthentication', 'default', { mtls: { mode: 'STRICT' } }, 'default')],
      settings: { enableAutoMtls: true },
    }),
  ],
];

const reviewsClusters = (f: MeshFixture): XdsResource[] => translate(sleep, f).Cluster.filter((c) => String(c['name']).endsWith(`|${HOST}`));

describe('DestinationRule cluster translation (Istio 1.4 cluster.go)', () => {
  it.each(cases)('%s matches its golden clusters', (name, f) => {
    const { expected, actual } = golden(TESTDATA, name, reviewsClusters(f));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s encodes as valid xDS', (_name, f) => {
    expect(wireProblems(translate(sleep, f))).toEqual([]);
  });

  it('turns PASSTHROUGH load balancing into an ORIGINAL_DST cluster without EDS', () => {
    const [c] = reviewsClusters(mesh({ trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } }));
    expect(c).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    expect(c!['eds_cluster_config']).toBeUndefined();
    expect(translate(sleep, mesh({ trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } })).ClusterLoadAssignment.map((c) => c['cluster_name'])).not.toContain(`outbound|9080||${HOST}`);
  });

  it('verifies ISTIO_MUTUAL servers against the service accounts of the endpoints', () => {
    const [c] = reviewsClusters(mesh({ trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }));
    const ctx = (c!['transport_socket'] as { typed_config: { common_tls_context: { combined_validation_context: { default_validation_context: unknown } }; sni: string } }).typed_config;
    expect(ctx.common_tls_context.combined_validation_context.default_validation_context).toEqual({ match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' }] });
    expect(ctx.sni).toBe(`outbound_.9080_._.${HOST}`);
  });
});
