/**
 * Mixer's wire messages in the object form @grpc/proto-loader uses with PROTO_LOADER_OPTIONS
 * (proto field names; int64 as decimal strings; enums as names; maps as objects keyed by the
 * decimal map key). Encoders produce these; decoders accept them, and also accept numbers for
 * int64 and enum numbers, so messages built by other loaders decode too.
 * Field names and numbers: istio.io/api mixer/v1 (proto/mixer/v1/*.proto in this package).
 */

/** google.protobuf.Timestamp. */
export interface TimestampMessage {
  seconds?: string | number;
  nanos?: number;
}

/** google.protobuf.Duration. */
export interface DurationMessage {
  seconds?: string | number;
  nanos?: number;
}

/** istio.mixer.v1.StringMap: keys and values are word indexes. */
export interface StringMapMessage {
  entries?: Record<string, number>;
}

/**
 * istio.mixer.v1.CompressedAttributes. Every map is keyed by the attribute name's word index;
 * a non-negative index is a global dictionary word, a negative one is `words[-index - 1]`.
 */
export interface CompressedAttributesMessage {
  words?: string[];
  strings?: Record<string, number>;
  int64s?: Record<string, string | number>;
  doubles?: Record<string, number>;
  bools?: Record<string, boolean>;
  timestamps?: Record<string, TimestampMessage>;
  durations?: Record<string, DurationMessage>;
  bytes?: Record<string, Uint8Array>;
  string_maps?: Record<string, StringMapMessage>;
}

/** How the bags of a ReportRequest relate (istio.mixer.v1.ReportRequest.RepeatedAttributesSemantics). */
export type RepeatedAttributesSemantics = 'DELTA_ENCODING' | 'INDEPENDENT_ENCODING';

/** Enum numbers of {@link RepeatedAttributesSemantics}, as on the wire. */
export const REPEATED_ATTRIBUTES_SEMANTICS: Readonly<Record<RepeatedAttributesSemantics, number>> = { DELTA_ENCODING: 0, INDEPENDENT_ENCODING: 1 };

/** istio.mixer.v1.ReportRequest. */
export interface ReportRequestMessage {
  attributes?: CompressedAttributesMessage[];
  repeated_attributes_semantics?: RepeatedAttributesSemantics | number;
  default_words?: string[];
  global_word_count?: number;
}

/** istio.mixer.v1.CheckRequest.QuotaParams. */
export interface QuotaParamsMessage {
  amount?: string | number;
  best_effort?: boolean;
}

/** istio.mixer.v1.CheckRequest. */
export interface CheckRequestMessage {
  attributes?: CompressedAttributesMessage;
  global_word_count?: number;
  deduplication_id?: string;
  quotas?: Record<string, QuotaParamsMessage>;
}

/** google.rpc.Status (details omitted: Mixer sends none yet). */
export interface RpcStatusMessage {
  code: number;
  message?: string;
}

/** How a referenced attribute was matched (istio.mixer.v1.ReferencedAttributes.Condition). */
export type ReferencedCondition = 'CONDITION_UNSPECIFIED' | 'ABSENCE' | 'EXACT' | 'REGEX';

/** istio.mixer.v1.ReferencedAttributes: what a Check result depended on, for the client's cache key. */
export interface ReferencedAttributesMessage {
  words?: string[];
  attribute_matches?: { name: number; condition: ReferencedCondition | number; regex?: string; map_key?: number }[];
}

/** istio.mixer.v1.CheckResponse.PreconditionResult. */
export interface PreconditionResultMessage {
  status: RpcStatusMessage;
  valid_duration: DurationMessage;
  valid_use_count: number;
  referenced_attributes: ReferencedAttributesMessage;
}

/** istio.mixer.v1.CheckResponse.QuotaResult. */
export interface QuotaResultMessage {
  valid_duration: DurationMessage;
  granted_amount: string | number;
  referenced_attributes: ReferencedAttributesMessage;
}

/** istio.mixer.v1.CheckResponse. */
export interface CheckResponseMessage {
  precondition: PreconditionResultMessage;
  quotas: Record<string, QuotaResultMessage>;
}
