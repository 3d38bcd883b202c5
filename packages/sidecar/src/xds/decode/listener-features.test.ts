import { packAny, TypeUrls } from '@mesh/shared-api';
import { hcmFilter, tcpProxyFilter, tlsInspector, tlsTransportSocket } from '../../testing/xds-fixtures.js';
import { decodeResources, nackMessage } from '../decoders.js';

function listener(chains: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return decodeResources('Listener', [packAny(TypeUrls.Listener, { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 443 } }, filter_chains: chains, ...extra })]);
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Listener features', () => {
  it('decodes chain matches, TLS contexts, TCP proxies and the TLS inspector', () => {
    const r = listener(
      [
        {
          filter_chain_match: { server_names: ['A.example.com'], transport_protocol: 'tls' },
          transport_socket: tlsTransportSocket({
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { inline_string: PEM }, private_key: { inline_string: 'KEY' } }],
              validation_context: { trusted_ca: { inline_string: PEM } },
              alpn_protocols: ['h2'],
              tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
            },
            require_client_certificate: { value: true },
          }),
          filters: [hcmFilter('https.443')],
        },
        { filter_chain_match: { server_names: ['b.example.com'] }, filters: [tcpProxyFilter('c', { idle_timeout: { seconds: 5 } })] },
      ],
      { listener_filters: [tlsInspector()] },
    );
    if (!r.ok) throw new Error(nackMessage(r.errors));
    const l = r.value[0]!.model;
    expect(l.tlsInspector).toBe(true);
    expect(l.filterChains[0]).toMatchObject({ match: { serverNames: ['a.example.com'], transportProtocol: 'tls' }, tls: { certChain: PEM, privateKey: 'KEY', requireClientCertificate: true, trustedCa: PEM, alpn: ['h2'], minVersion: 'TLSv1.2' }, http: { routes: { kind: 'rds', name: 'https.443' } } });
    expect(l.filterChains[1]).toMatchObject({ match: { serverNames: ['b.example.com'] }, tcp: { clusters: [{ name: 'c', weight: 1 }], idleTimeoutMs: 5000, maxConnectAttempts: 1 } });
  });

  it('decodes Istio\'s inbound mTLS context: the agent\'s default certificate and ROOTCA over SDS', () => {
    const sds = (name: string) => ({ name, sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } });
    const r = listener([
      {
        filter_chain_match: { destination_port: { value: 8080 }, application_protocols: ['istio'] },
        transport_socket: tlsTransportSocket({
          common_tls_context: {
            alpn_protocols: ['h2', 'http/1.1'],
            tls_certificate_sds_secret_configs: [sds('default')],
            combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/a/sa/b' }] }, validation_context_sds_secret_config: sds('ROOTCA') },
          },
          require_client_certificate: { value: true },
        }),
        filters: [hcmFilter('r')],
      },
    ]);
    if (!r.ok) throw new Error(nackMessage(r.errors));
    expect(r.value[0]!.model.filterChains[0]!.tls).toEqual({
      certChain: '',
      privateKey: '',
      requireClientCertificate: true,
      matchSubjectAltNames: [{ kind: 'exact', value: 'spiffe://cluster.local/ns/a/sa/b', ignoreCase: false }],
      alpn: ['h2', 'http/1.1'],
      sds: { certificate: 'default', validation: 'ROOTCA' },
    });
  });

  it.each([
    ['an SDS secret the agent does not serve', { transport_socket: tlsTransportSocket({ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'gateway-credential' }] } }), filters: [hcmFilter('r')] }, /SDS secret gateway-credential is not served/],
    ['a certificate file that does not exist', { transport_socket: tlsTransportSocket({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: '/nonexistent/cert.pem' }, private_key: { inline_string: 'k' } }] } }), filters: [hcmFilter('r')] }, /cannot read \/nonexistent\/cert\.pem: ENOENT/],
    ['client certificates without a CA', { transport_socket: tlsTransportSocket({ common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: PEM }, private_key: { inline_string: 'k' } }] }, require_client_certificate: { value: true } }), filters: [hcmFilter('r')] }, /needs a trusted_ca/],
    ['matching by source prefix', { filter_chain_match: { source_prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: { value: 8 } }] }, filters: [hcmFilter('r')] }, /by source address or port/],
    ['a TCP proxy without a cluster', { filters: [tcpProxyFilter('')] }, /needs a cluster/],
  ])('NACKs %s', (_what, chain, message) => {
    const r = listener([chain]);
    expect(r.ok ? '' : nackMessage(r.errors)).toMatch(message);
  });
});
