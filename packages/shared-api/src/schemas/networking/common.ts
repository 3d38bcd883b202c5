/**
 * `as const` JSON Schema building blocks of the networking.istio.io kinds. They are literal types
 * so that json-schema-to-ts derives the TypeScript types from the same objects ajv compiles.
 */

/** A string. */
export const str = { type: 'string' } as const;
/** A non-empty string. */
export const nonEmpty = { type: 'string', minLength: 1, errorMessage: 'must not be empty' } as const;
/** A list of strings. */
export const strList = { type: 'array', items: str } as const;
/** A boolean (also `google.protobuf.BoolValue`). */
export const bool = { type: 'boolean' } as const;
/** A double (also `google.protobuf.DoubleValue`). */
export const double = { type: 'number' } as const;
/** An int32. */
export const int32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 } as const;
/** A uint32 (also `google.protobuf.UInt32Value`). */
export const uint32 = { type: 'integer', minimum: 0, maximum: 4294967295, errorMessage: 'must be a whole number >= 0' } as const;
/** A port number. */
export const port = { type: 'integer', minimum: 1, maximum: 65535, errorMessage: 'must be a port number between 1 and 65535' } as const;
/** A map of strings (labels, headers). */
export const stringMap = { type: 'object', additionalProperties: str } as const;
/** A map of port numbers keyed by port name. */
export const portMap = { type: 'object', additionalProperties: uint32 } as const;
/** A `google.protobuf.Struct`: any JSON object. */
export const struct = { type: 'object' } as const;

/**
 * A protobuf Duration as Istio YAML writes it: `1.5s`, `300ms`, `2m`, `1h30m` (Go's duration
 * grammar, which Istio's YAML decoding accepts besides protobuf JSON's seconds form).
 */
export const duration = {
  type: 'string',
  pattern: '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(h|m|s|ms|us|µs|ns)(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(h|m|s|ms|us|µs|ns))*$',
  errorMessage: 'must be a duration such as "1s", "250ms" or "1.5s"',
} as const;

/** `Percent`: a double percentage in `value`. */
export const percent = { type: 'object', additionalProperties: false, properties: { value: double } } as const;

/** `exportTo`: `.`, `*`, `~` or namespace names. */
export const exportTo = { type: 'array', items: nonEmpty } as const;

/** `WorkloadSelector` of DestinationRule, ServiceEntry, Sidecar, EnvoyFilter: `labels`. */
export const workloadSelector = { type: 'object', additionalProperties: false, properties: { labels: stringMap } } as const;

/** `istio.type.v1beta1.WorkloadSelector` (ProxyConfig and the security kinds): `matchLabels`. */
export const labelSelector = { type: 'object', additionalProperties: false, properties: { matchLabels: stringMap } } as const;

/** `PolicyTargetReference` (newer kinds' `targetRef` / `targetRefs`). */
export const policyTargetReference = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'name'],
  properties: { group: str, kind: nonEmpty, name: nonEmpty, namespace: str },
} as const;

/** `Port` of Gateway servers, Sidecar listeners and ServiceEntry ports (`ServicePort`). */
export const portSpec = {
  type: 'object',
  additionalProperties: false,
  properties: { number: uint32, protocol: str, name: str, targetPort: uint32 },
} as const;

/** The names of a protobuf enum, followed by its numbers (protobuf JSON accepts either form). */
type EnumValues<T extends readonly string[]> = readonly [...T, ...number[]];

/**
 * A protobuf enum field: its value names in number order (so the index is the number), and
 * the numbers 0…n-1, which protobuf JSON and some Istio YAML use instead of names.
 */
export function protoEnum<const T extends readonly string[]>(...names: T): { readonly enum: EnumValues<T>; readonly errorMessage: string } {
  return {
    enum: [...names, ...names.map((_, i) => i)] as unknown as EnumValues<T>,
    errorMessage: `must be one of ${names.join(', ')} (or its number, 0-${names.length - 1})`,
  };
}

/** The enum value's name, given its name or number; undefined when unset. */
export function enumName(names: readonly string[], value: unknown): string | undefined {
  if (typeof value === 'number') return names[value];
  return typeof value === 'string' ? value : undefined;
}
