import type { ConfigResource } from '@mesh/shared-api';
import type { GatewayServer, GatewaySpec, ServerTlsSettings } from '../../model/networking-specs.js';
import { portProtocol } from '../../model/service.js';
import type { PortProtocol } from '../../model/service.js';
import type { XdsResource } from '../resources.js';
import { ALPN_DOWNSTREAM, DOWNSTREAM_TLS_CONTEXT, SDS_DEFAULT_SECRET, SDS_ROOT_SECRET, sdsSecret, tlsTransportSocket } from '../security/sds.js';

/** A Gateway server with the Gateway it belongs to. */
export interface BoundServer {
  server: GatewayServer;
  /** `<namespace>/<name>` of the Gateway. */
  gateway: string;
  gatewayName: string;
  gatewayNamespace: string;
  protocol: PortProtocol;
}

/** Servers of the selecting Gateways grouped by port number (Istio's `MergeGateways`), ports ascending. */
export function serversByPort(gateways: readonly ConfigResource<GatewaySpec>[]): Map<number, BoundServer[]> {
  const byPort = new Map<number, BoundServer[]>();
  for (const g of gateways) {
    const ns = g.metadata.namespace ?? 'default';
    for (const server of g.spec.servers ?? []) {
      let list = byPort.get(server.port.number);
      if (!list) byPort.set(server.port.number, (list = []));
      list.push({ server, gateway: `${ns}/${g.metadata.name}`, gatewayName: g.metadata.name, gatewayNamespace: ns, protocol: portProtocol(server.port.protocol, server.port.name ?? '') });
    }
  }
  return new Map([...byPort.entries()].sort(([a], [b]) => a - b));
}

/** True when the server terminates TLS and then speaks HTTP (HTTPS with SIMPLE, MUTUAL or ISTIO_MUTUAL). */
export function terminatesTlsToHttp(s: BoundServer): boolean {
  return s.protocol === 'HTTPS' && s.server.tls !== undefined && s.server.tls.mode !== 'PASSTHROUGH' && s.server.tls.mode !== 'AUTO_PASSTHROUGH';
}

/** True when the server routes HTTP (plain HTTP-family, or HTTPS terminated here). */
export function isHttpServer(s: BoundServer): boolean {
  return ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB'].includes(s.protocol) || terminatesTlsToHttp(s);
}

/**
 * Istio 1.4's `gatewayRDSRouteName`: `http.<port>` for plain HTTP servers (shared by every such
 * server on the port), `https.<port>.<port name>.<gateway>.<namespace>` for a terminated HTTPS server.
 */
export function gatewayRouteName(s: BoundServer): string {
  if (terminatesTlsToHttp(s)) return `https.${s.server.port.number}.${s.server.port.name ?? ''}.${s.gatewayName}.${s.gatewayNamespace}`;
  return `http.${s.server.port.number}`;
}

/** A server host split into its namespace restriction (`*` when none) and DNS name. */
export function splitServerHost(h: string, gatewayNamespace: string): { namespace: string; host: string } {
  const slash = h.indexOf('/');
  if (slash < 0) return { namespace: '*', host: h };
  const ns = h.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, host: h.slice(slash + 1) };
}

const TLS_VERSIONS: Readonly<Record<string, string>> = { TLS_AUTO: 'TLS_AUTO', TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3' };

/**
 * The DownstreamTlsContext of a TLS-terminating server (Istio 1.4's `buildGatewayListenerTLSContext`):
 * certificate files (or, with `credentialName`, the gateway agent's SDS secret of that name), the CA
 * and SANs for MUTUAL, the workload certificate for ISTIO_MUTUAL, TLS versions and ciphers; ALPN h2,
 * http/1.1 for HTTPS.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto
 */
export function gatewayTlsSocket(tls: ServerTlsSettings, http: boolean): XdsResource {
  const common: XdsResource = {};
  if (http) common['alpn_protocols'] = ALPN_DOWNSTREAM;
  const mutual = tls.mode === 'MUTUAL' || tls.mode === 'ISTIO_MUTUAL';
  const sans = tls.subjectAltNames && tls.subjectAltNames.length > 0 ? tls.subjectAltNames.map((exact) => ({ exact })) : undefined;
  if (tls.mode === 'ISTIO_MUTUAL') {
    common['tls_certificate_sds_secret_configs'] = [sdsSecret(SDS_DEFAULT_SECRET)];
    common['combined_validation_context'] = { default_validation_context: sans ? { match_subject_alt_names: sans } : {}, validation_context_sds_secret_config: sdsSecret(SDS_ROOT_SECRET) };
  } else if (tls.credentialName) {
    common['tls_certificate_sds_secret_configs'] = [sdsSecret(tls.credentialName)];
    if (tls.mode === 'MUTUAL') {
      common['combined_validation_context'] = { default_validation_context: sans ? { match_subject_alt_names: sans } : {}, validation_context_sds_secret_config: sdsSecret(`${tls.credentialName}-cacert`) };
    }
  } else {
    common['tls_certificates'] = [{ certificate_chain: { filename: tls.serverCertificate ?? '' }, private_key: { filename: tls.privateKey ?? '' } }];
    if (tls.mode === 'MUTUAL') {
      const validation: XdsResource = {};
      if (tls.caCertificates) validation['trusted_ca'] = { filename: tls.caCertificates };
      if (sans) validation['match_subject_alt_names'] = sans;
      if (tls.verifyCertificateSpki?.length) validation['verify_certificate_spki'] = tls.verifyCertificateSpki;
      if (tls.verifyCertificateHash?.length) validation['verify_certificate_hash'] = tls.verifyCertificateHash;
      common['validation_context'] = validation;
    }
  }
  const params: XdsResource = {};
  const min = tls.minProtocolVersion ? TLS_VERSIONS[tls.minProtocolVersion] : undefined;
  const max = tls.maxProtocolVersion ? TLS_VERSIONS[tls.maxProtocolVersion] : undefined;
  if (min) params['tls_minimum_protocol_version'] = min;
  if (max) params['tls_maximum_protocol_version'] = max;
  if (tls.cipherSuites?.length) params['cipher_suites'] = tls.cipherSuites;
  if (Object.keys(params).length > 0) common['tls_params'] = params;
  return tlsTransportSocket(DOWNSTREAM_TLS_CONTEXT, { common_tls_context: common, require_client_certificate: { value: mutual } });
}
