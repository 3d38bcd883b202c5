import type { DiscoveryRequestMessage } from './discovery-messages.js';

/**
 * The ACK/NACK rule of state-of-the-world xDS
 * (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-and-nack-semantics):
 * - ACK: `version_info` = the version just accepted, `response_nonce` = that response's nonce.
 * - NACK: `version_info` = the last version *accepted* for the type (empty before any),
 *   `response_nonce` = the rejected response's nonce, `error_detail` = INVALID_ARGUMENT (3) and why.
 * - Every request carries the full list of names the client wants (empty = wildcard for LDS/CDS),
 *   so a request the server ignores as stale loses nothing: the next one repeats the list.
 */
export interface RequestState {
  readonly typeUrl: string;
  readonly resourceNames: readonly string[];
  /** The last version accepted for this type ('' before the first). */
  readonly acceptedVersion: string;
  /** The nonce of the last response received on this stream for this type ('' before the first). */
  readonly nonce: string;
}

/** gRPC status code INVALID_ARGUMENT, which Envoy puts in a NACK's error_detail. */
export const NACK_CODE = 3;

/** The request that follows a response: an ACK when `rejection` is undefined, else a NACK. */
export function discoveryRequest(state: RequestState, rejection?: string): DiscoveryRequestMessage {
  const req: DiscoveryRequestMessage = {
    version_info: state.acceptedVersion,
    resource_names: [...state.resourceNames],
    type_url: state.typeUrl,
    response_nonce: state.nonce,
  };
  if (rejection !== undefined) req.error_detail = { code: NACK_CODE, message: rejection };
  return req;
}
