import type { AnyMessage } from '@mesh/shared-api';

/**
 * The ADS messages in proto-loader object form (field names as in
 * envoy/service/discovery/v3/discovery.proto). Only the fields the sidecar reads or writes.
 */

/** `google.protobuf.Value` in proto-loader form. */
export type StructValue =
  | { null_value: 'NULL_VALUE' }
  | { number_value: number }
  | { string_value: string }
  | { bool_value: boolean }
  | { struct_value: StructMessage }
  | { list_value: { values: StructValue[] } };

/** `google.protobuf.Struct` in proto-loader form. */
export interface StructMessage {
  fields: Record<string, StructValue>;
}

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

/** Converts JSON-like data into a `google.protobuf.Struct` (the form node metadata travels in). */
export function toStruct(value: Record<string, unknown>): StructMessage {
  const fields: Record<string, StructValue> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) fields[k] = toStructValue(v);
  return { fields };
}

function toStructValue(v: unknown): StructValue {
  if (v === null) return { null_value: 'NULL_VALUE' };
  if (typeof v === 'number') return { number_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  if (typeof v === 'string') return { string_value: v };
  if (Array.isArray(v)) return { list_value: { values: v.map(toStructValue) } };
  if (typeof v === 'object') return { struct_value: toStruct(v as Record<string, unknown>) };
  return { string_value: String(v) };
}
