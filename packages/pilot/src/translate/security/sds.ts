import type { XdsResource } from '../resources.js';

/** The SDS secret holding the workload's own certificate and key (Istio's `default`). */
export const SDS_DEFAULT_SECRET = 'default';
/** The SDS secret holding the mesh's trust bundle (Istio's `ROOTCA`). */
export const SDS_ROOT_SECRET = 'ROOTCA';
/** The cluster the proxy reaches its local certificate agent on (Istio's `sds-grpc`). */
export const SDS_CLUSTER = 'sds-grpc';

/** ALPN a client sidecar offers so that a PERMISSIVE server tells mTLS from plaintext (Istio 1.4: `istio`). */
export const ALPN_IN_MESH = ['istio'];
/** ALPN for in-mesh HTTP/2 (Istio's `ALPNInMeshH2`). */
export const ALPN_IN_MESH_H2 = ['istio', 'h2'];
/** ALPN of a server sidecar's mTLS filter chain. */
export const ALPN_DOWNSTREAM = ['h2', 'http/1.1'];

/**
 * An SdsSecretConfig naming a secret the proxy's agent serves over SDS (the agent holds the keys
 * Citadel signed; Pilot never sees them).
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto
 */
export function sdsSecret(name: string): XdsResource {
  return {
    name,
    sds_config: {
      api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }], set_node_on_first_message_only: true },
      resource_api_version: 'V3',
    },
  };
}

/** The SPIFFE identity of a service account. */
export function spiffeUri(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The TLS transport socket wrapping a TLS context of the given type. */
export function tlsTransportSocket(typeUrl: string, context: XdsResource): XdsResource {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': typeUrl, ...context } };
}

export const UPSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const DOWNSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
