import type { AttrDuration, AttrKind, AttrStringMap, AttrValue } from './attribute-value.js';

/**
 * The attributes a sidecar reports and Mixer reads, with their wire types: Istio 1.4's attribute
 * vocabulary (https://istio.io/v1.4/docs/reference/config/policy-and-telemetry/attribute-vocabulary/)
 * for the source.*, destination.*, request.*, response.*, connection.* and context.* families.
 * IP addresses are BYTES (4 or 16 octets), as in Istio.
 */
export const ATTRIBUTE_VOCABULARY = {
  'source.uid': 'string',
  'source.ip': 'bytes',
  'source.labels': 'string_map',
  'source.name': 'string',
  'source.namespace': 'string',
  'source.principal': 'string',
  'source.owner': 'string',
  'source.workload.uid': 'string',
  'source.workload.name': 'string',
  'source.workload.namespace': 'string',

  'destination.uid': 'string',
  'destination.ip': 'bytes',
  'destination.port': 'int64',
  'destination.labels': 'string_map',
  'destination.name': 'string',
  'destination.namespace': 'string',
  'destination.principal': 'string',
  'destination.owner': 'string',
  'destination.workload.uid': 'string',
  'destination.workload.name': 'string',
  'destination.workload.namespace': 'string',
  'destination.container.name': 'string',
  'destination.container.image': 'string',
  'destination.service.host': 'string',
  'destination.service.uid': 'string',
  'destination.service.name': 'string',
  'destination.service.namespace': 'string',

  'request.headers': 'string_map',
  'request.id': 'string',
  'request.path': 'string',
  'request.url_path': 'string',
  'request.query_params': 'string_map',
  'request.host': 'string',
  'request.method': 'string',
  'request.reason': 'string',
  'request.referer': 'string',
  'request.scheme': 'string',
  'request.size': 'int64',
  'request.total_size': 'int64',
  'request.time': 'timestamp',
  'request.useragent': 'string',

  'response.headers': 'string_map',
  'response.size': 'int64',
  'response.total_size': 'int64',
  'response.time': 'timestamp',
  'response.duration': 'duration',
  'response.code': 'int64',
  'response.grpc_status': 'string',
  'response.grpc_message': 'string',

  'connection.id': 'string',
  'connection.event': 'string',
  'connection.received.bytes': 'int64',
  'connection.received.bytes_total': 'int64',
  'connection.sent.bytes': 'int64',
  'connection.sent.bytes_total': 'int64',
  'connection.duration': 'duration',
  'connection.mtls': 'bool',
  'connection.requested_server_name': 'string',

  'context.protocol': 'string',
  'context.time': 'timestamp',
  'context.reporter.kind': 'string',
  'context.reporter.uid': 'string',
  'context.proxy_error_code': 'string',
} as const satisfies Record<string, AttrKind>;

/** A name from {@link ATTRIBUTE_VOCABULARY}. */
export type KnownAttributeName = keyof typeof ATTRIBUTE_VOCABULARY;

/** The JavaScript type that carries each wire type (see attribute-value.ts). */
export interface AttrKindValues {
  string: string;
  int64: bigint;
  double: number;
  bool: boolean;
  bytes: Uint8Array;
  timestamp: Date;
  duration: AttrDuration;
  string_map: AttrStringMap;
}

/** Known attributes with their value types checked by the compiler. */
export type KnownAttributes = { [K in KnownAttributeName]?: AttrKindValues[(typeof ATTRIBUTE_VOCABULARY)[K]] };

/** A bag literal: known names are type-checked, other names take any attribute value. */
export type AttributeRecord = KnownAttributes & Readonly<Record<string, AttrValue | undefined>>;

/** `context.reporter.kind` values: the server-side (inbound) or client-side (outbound) sidecar. */
export const REPORTER_KINDS = ['inbound', 'outbound'] as const;
