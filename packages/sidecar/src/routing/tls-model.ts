/**
 * The sidecar's model of Envoy's TLS transport sockets
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto)
 * on the upstream side, and of the SDS secret names both sides may refer to.
 */

import type { StringMatchModel } from './route-model.js';

/**
 * Where a certificate and its key come from: PEM given in the config (inline or read from a
 * file), or an SDS secret the sidecar's certificate agent serves (Istio's `default`).
 */
export type CertificateSource = { readonly kind: 'pem'; readonly certChain: string; readonly privateKey: string } | { readonly kind: 'sds'; readonly name: string };

/** Where the trust bundle that verifies the peer comes from: PEM, or an SDS secret (Istio's `ROOTCA`). */
export type ValidationSource = { readonly kind: 'pem'; readonly trustedCa: string } | { readonly kind: 'sds'; readonly name: string };

/** An `UpstreamTlsContext`: what the sidecar presents to an upstream and how it verifies it. */
export interface UpstreamTlsModel {
  /** Client certificate (MUTUAL, ISTIO_MUTUAL); none for SIMPLE. */
  readonly certificate?: CertificateSource;
  /** Trust bundle; without one the server certificate is not verified (Envoy's behaviour). */
  readonly validation?: ValidationSource;
  /** The server certificate's SANs must satisfy one of these (ISTIO_MUTUAL: the service's SPIFFE identities). */
  readonly matchSubjectAltNames?: readonly StringMatchModel[];
  readonly sni?: string;
  /** ALPN offered; Istio's `istio` marks in-mesh mTLS for a PERMISSIVE server's TLS inspector. */
  readonly alpn: readonly string[];
}

/**
 * A cluster's transport: the default `transport_socket` (undefined = plaintext) and the
 * `transport_socket_matches` that override it for endpoints whose
 * `metadata.filter_metadata["envoy.transport_socket_match"]` carries all of a match's fields
 * (Istio's auto mTLS: `tlsMode: istio` endpoints get mTLS, the others plaintext).
 */
export interface UpstreamTransportModel {
  readonly tls?: UpstreamTlsModel;
  readonly matches?: ReadonlyArray<{ readonly name: string; readonly match: Readonly<Record<string, string>>; readonly tls?: UpstreamTlsModel }>;
}

/** The SDS secret names the sidecar's agent serves (Istio's), and only these. */
export const SDS_SECRETS = Object.freeze({ workload: 'default', root: 'ROOTCA' });
