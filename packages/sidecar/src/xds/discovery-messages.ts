import type { AnyMessage, StructMessage } from '@mesh/shared-api';

/**
 * The ADS messages in proto-loader object form (field names as in
 * envoy/service/discovery/v3/discovery.proto). Only the fields the sidecar reads or writes.
 */

/** `envoy.config.core.v3.Node`. */
export interface NodeMessage {
  id: string;
  cluster: string;
  metadata: StructMessage;
  user_agent_name: string;
  /** grpc-js-xds clients fail without a locality; an empty one is what they send. */
  locality: Record<string, never>;
}

/** `google.rpc.Status`, as a NACK's `error_detail`. */
export interface RpcStatusMessage {
  code: number;
  message: string;
}

/** `envoy.service.discovery.v3.DiscoveryRequest`. */
export interface DiscoveryRequestMessage {
  version_info: string;
  node?: NodeMessage;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: RpcStatusMessage;
}

/** `envoy.service.discovery.v3.DiscoveryResponse`. */
export interface DiscoveryResponseMessage {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}
