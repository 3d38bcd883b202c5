import type { ClientTlsSettings } from '../../model/networking-specs.js';
import type { XdsResource } from '../resources.js';
import { ALPN_IN_MESH, ALPN_IN_MESH_H2, SDS_DEFAULT_SECRET, SDS_ROOT_SECRET, sdsSecret, tlsTransportSocket, UPSTREAM_TLS_CONTEXT } from '../security/sds.js';

/** What deciding a cluster's upstream TLS needs besides the DestinationRule's `tls`. */
export interface UpstreamTlsInput {
  tls: ClientTlsSettings | undefined;
  /** SPIFFE identities of the service's workloads (ISTIO_MUTUAL verifies the server against them). */
  serviceAccounts: readonly string[];
  /** The ISTIO_MUTUAL SNI: `outbound_.<port>_.<subset>_.<host>` (Istio's BuildDNSSrvSubsetKey). */
  istioSni: string;
  meshExternal: boolean;
  /** MeshConfig `enableAutoMtls`, and the service-level mode its servers run with (ORIGINAL_DST clusters decide by it). */
  autoMtls: boolean;
  serverMtls: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNKNOWN';
}

/** Istio's DNS SRV form of a cluster name, used as the SNI of in-mesh mTLS. */
export function istioMtlsSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

function matchSans(sans: readonly string[] | undefined): XdsResource[] | undefined {
  return sans && sans.length > 0 ? sans.map((exact) => ({ exact })) : undefined;
}

/**
 * Istio 1.4's `conditionallyConvertToIstioMtls` + `applyUpstreamTLSSettings`: sets the cluster's
 * `transport_socket` (an UpstreamTlsContext) for SIMPLE, MUTUAL and ISTIO_MUTUAL; none for DISABLE
 * or no settings. With auto mTLS and no `tls`, in-mesh services get ISTIO_MUTUAL as
 * `transport_socket_matches`: endpoints advertised `tlsMode: istio` (certified sidecars whose
 * server accepts mTLS on that port, security/auto-mtls.ts) get mTLS, others plaintext — the decision
 * is per endpoint, so workload and port-level policies are followed too. ORIGINAL_DST clusters have
 * no endpoints to decide by: they use mTLS only when service-level policy says STRICT or PERMISSIVE.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto
 */
export function applyUpstreamTls(cluster: XdsResource, input: UpstreamTlsInput): void {
  let tls = input.tls;
  let auto = false;
  if (!tls) {
    if (input.meshExternal || !input.autoMtls) return;
    if (cluster['lb_policy'] === 'CLUSTER_PROVIDED' && (input.serverMtls === 'UNKNOWN' || input.serverMtls === 'DISABLE')) return;
    tls = { mode: 'ISTIO_MUTUAL' };
    auto = true;
  }
  const http2 = cluster['http2_protocol_options'] !== undefined;
  let context: XdsResource | undefined;
  switch (tls.mode) {
    case 'SIMPLE': {
      const common: XdsResource = { validation_context: validation(tls) };
      if (http2) common['alpn_protocols'] = ['h2'];
      context = { common_tls_context: common, ...(tls.sni ? { sni: tls.sni } : {}) };
      break;
    }
    case 'MUTUAL': {
      const common: XdsResource = {
        tls_certificates: [{ certificate_chain: { filename: tls.clientCertificate ?? '' }, private_key: { filename: tls.privateKey ?? '' } }],
        validation_context: validation(tls),
      };
      if (http2) common['alpn_protocols'] = ['h2'];
      context = { common_tls_context: common, ...(tls.sni ? { sni: tls.sni } : {}) };
      break;
    }
    case 'ISTIO_MUTUAL': {
      const sans = tls.subjectAltNames && tls.subjectAltNames.length > 0 ? tls.subjectAltNames : input.serviceAccounts;
      const defaultValidation: XdsResource = {};
      const match = matchSans(sans);
      if (match) defaultValidation['match_subject_alt_names'] = match;
      context = {
        common_tls_context: {
          tls_certificate_sds_secret_configs: [sdsSecret(SDS_DEFAULT_SECRET)],
          combined_validation_context: { default_validation_context: defaultValidation, validation_context_sds_secret_config: sdsSecret(SDS_ROOT_SECRET) },
          alpn_protocols: http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH,
        },
        sni: tls.sni || input.istioSni,
      };
      break;
    }
    default:
      return;
  }
  const socket = tlsTransportSocket(UPSTREAM_TLS_CONTEXT, context);
  if (auto && cluster['lb_policy'] !== 'CLUSTER_PROVIDED') {
    delete cluster['transport_socket'];
    cluster['transport_socket_matches'] = [
      { name: 'tlsMode-istio', match: { fields: { tlsMode: { stringValue: 'istio' } } }, transport_socket: socket },
      { name: 'tlsMode-disabled', match: { fields: {} }, transport_socket: RAW_BUFFER },
    ];
    return;
  }
  cluster['transport_socket'] = socket;
}

/** The plaintext transport socket. */
export const RAW_BUFFER: XdsResource = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };

function validation(tls: ClientTlsSettings): XdsResource {
  const out: XdsResource = {};
  if (tls.caCertificates) out['trusted_ca'] = { filename: tls.caCertificates };
  const match = matchSans(tls.subjectAltNames);
  if (match) out['match_subject_alt_names'] = match;
  return out;
}
