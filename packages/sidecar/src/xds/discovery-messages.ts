import type { AnyMessage } from '@mesh/shared-api';

/**
 * The ADS messages in proto-loader object form (field names as in
 * envoy/service/discovery/v3/discovery.proto). Only the fields the sidecar reads or writes.
 */

/**
 * `google.protobuf.Value` in proto-loader form. protobufjs bundles the well-known types with
 * camelCase field names, so these stay camelCase even with `keepCase` (snake_case keys are
 * silently dropped on the wire).
 */
export type StructValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: StructMessage }
  | { listValue: { values: StructValue[] } };

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
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toStructValue) } };
  if (typeof v === 'object') return { structValue: toStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}

/** Converts a decoded `google.protobuf.Struct` back into JSON-like data. */
export function fromStruct(struct: { fields?: Record<string, unknown> } | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(struct?.fields ?? {})) out[k] = fromStructValue(v);
  return out;
}

function fromStructValue(v: unknown): unknown {
  const value = (v ?? {}) as Record<string, unknown>;
  if ('structValue' in value) return fromStruct(value['structValue'] as { fields?: Record<string, unknown> });
  if ('listValue' in value) return ((value['listValue'] as { values?: unknown[] }).values ?? []).map(fromStructValue);
  if ('stringValue' in value) return value['stringValue'];
  if ('numberValue' in value) return value['numberValue'];
  if ('boolValue' in value) return value['boolValue'];
  return null;
}
