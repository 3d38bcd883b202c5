import { INBOUND_LISTENER, inboundClusterName } from '@mesh/shared-api';
import type { Proxy, ProxyPort } from '../../model/proxy.js';
import { isHttpProtocol } from '../../model/service.js';
import type { XdsResource } from '../resources.js';
import { socketAddress } from '../resources.js';
import { defaultInboundRoute } from '../route/action.js';
import type { InboundSecurity } from '../security/inbound-security.js';
import { ALPN_DOWNSTREAM, ALPN_IN_MESH, DOWNSTREAM_TLS_CONTEXT, SDS_DEFAULT_SECRET, SDS_ROOT_SECRET, sdsSecret, tlsTransportSocket } from '../security/sds.js';
import { httpConnectionManager, tcpProxy, tlsInspector } from './hcm.js';

/** Where the sidecar's inbound listener accepts connections (Istio's `virtualInbound` port). */
export const INBOUND_LISTENER_PORT = 15006;

/**
 * The server side of in-mesh mTLS (Istio 1.4's inbound `tls_context`): the workload certificate
 * and the mesh root from the agent over SDS, client certificates required.
 */
export function inboundTlsSocket(): XdsResource {
  return tlsTransportSocket(DOWNSTREAM_TLS_CONTEXT, {
    common_tls_context: {
      alpn_protocols: ALPN_DOWNSTREAM,
      tls_certificate_sds_secret_configs: [sdsSecret(SDS_DEFAULT_SECRET)],
      combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sdsSecret(SDS_ROOT_SECRET) },
    },
    require_client_certificate: { value: true },
  });
}

function portFilters(host: string, p: ProxyPort, security: InboundSecurity): XdsResource[] {
  const cluster = inboundClusterName(host, p.port);
  if (!isHttpProtocol(p.protocol)) return [...security.networkFilters, tcpProxy(cluster, { cluster })];
  return [
    httpConnectionManager({
      statPrefix: `inbound_0.0.0.0_${p.endpointPort}`,
      routes: { route_config: { name: cluster, virtual_hosts: [{ name: `inbound|http|${p.port}`, domains: ['*'], routes: [defaultInboundRoute(cluster, `${host}:${p.port}/*`)] }], validate_clusters: { value: false } } },
      filters: security.httpFilters,
      inbound: true,
    }),
  ];
}

/**
 * `virtualInbound` at 0.0.0.0:15006: per port of the proxy's own workload, chosen by the port peers
 * connect to (`endpointPort`), chains routing to the inbound cluster of that port. mTLS (Istio
 * 1.4's authn plugin `setupFilterChains`): STRICT — one chain that terminates TLS; PERMISSIVE — a
 * TLS chain for clients offering ALPN `istio` (found by the TLS inspector) plus a plaintext chain;
 * DISABLE — plaintext only. A proxy serving nothing gets no inbound listener (Envoy rejects a
 * listener without filter chains).
 */
export function inboundListener(proxy: Proxy, securityFor: (p: ProxyPort) => InboundSecurity): XdsResource | undefined {
  const host = proxy.serviceHostname;
  if (!host || proxy.ports.length === 0) return undefined;
  const chains: XdsResource[] = [];
  let inspect = false;
  for (const p of proxy.ports) {
    const security = securityFor(p);
    const filters = portFilters(host, p, security);
    const destination_port = { value: p.endpointPort };
    if (security.mtls === 'STRICT') {
      chains.push({ filter_chain_match: { destination_port }, filters, transport_socket: inboundTlsSocket() });
    } else if (security.mtls === 'PERMISSIVE') {
      inspect = true;
      chains.push({ filter_chain_match: { destination_port, application_protocols: ALPN_IN_MESH }, filters, transport_socket: inboundTlsSocket() });
      chains.push({ filter_chain_match: { destination_port }, filters });
    } else {
      chains.push({ filter_chain_match: { destination_port }, filters });
    }
  }
  const listener: XdsResource = { name: INBOUND_LISTENER, address: socketAddress('0.0.0.0', INBOUND_LISTENER_PORT), filter_chains: chains };
  if (inspect) listener['listener_filters'] = [tlsInspector()];
  return listener;
}
