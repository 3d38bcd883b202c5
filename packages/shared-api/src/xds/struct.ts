/**
 * `google.protobuf.Struct` ⇄ JSON, the form xDS `node.metadata` travels in
 * (https://protobuf.dev/reference/protobuf/google.protobuf/#struct).
 *
 * protobufjs (and so proto-loader and grpc-js) defines the well-known Struct types itself, with
 * camelCase field names even under `keepCase`: a Value is `{ stringValue: 'x', kind: 'stringValue' }`,
 * and snake_case keys are silently dropped when encoding. So {@link jsonToStruct} writes camelCase;
 * {@link structToJson} reads camelCase or snake_case, and honours the `kind` oneof discriminator
 * (proto-loader's `oneofs` option) over any defaulted sibling fields.
 */

/** `google.protobuf.Value` in proto-loader object form, as {@link jsonToStruct} writes it. */
export type StructValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: StructMessage }
  | { listValue: { values: StructValue[] } };

/** `google.protobuf.Struct` in proto-loader object form. */
export interface StructMessage {
  fields: Record<string, StructValue>;
}

/** A decoded Value as it may arrive: any one member (camelCase after {@link camelize}), maybe `kind`. */
interface DecodedValue {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: unknown;
  listValue?: { values?: unknown[] };
  kind?: unknown;
}

type ValueMember = Exclude<keyof DecodedValue, 'kind'>;
const VALUE_MEMBERS: readonly ValueMember[] = ['stringValue', 'numberValue', 'boolValue', 'structValue', 'listValue', 'nullValue'];

/** Converts a decoded Struct to a plain JSON object; undefined when `struct` is not an object. */
export function structToJson(struct: unknown): Record<string, unknown> | undefined {
  if (typeof struct !== 'object' || struct === null) return undefined;
  const fields = (struct as { fields?: Record<string, unknown> | null }).fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = valueToJson(v);
  return out;
}

function valueToJson(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = camelize(raw as Record<string, unknown>);
  // `kind` names the member that is set; without it, the first member present.
  const kind = (typeof v.kind === 'string' ? camel(v.kind) : undefined) ?? VALUE_MEMBERS.find((f) => v[f] != null);
  switch (kind) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'numberValue':
      return v.numberValue ?? 0;
    case 'boolValue':
      return v.boolValue ?? false;
    case 'structValue':
      return structToJson(v.structValue ?? {});
    case 'listValue':
      return (v.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function camelize(o: Record<string, unknown>): DecodedValue {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[camel(k)] = v;
  return out as DecodedValue;
}

/**
 * Converts a JSON object to a Struct grpc-js can encode. Keys whose value is undefined are left
 * out; values JSON cannot carry (functions, symbols, bigints) become null.
 */
export function jsonToStruct(obj: Record<string, unknown>): StructMessage {
  const fields: Record<string, StructValue> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) fields[k] = jsonToValue(v);
  return { fields };
}

function jsonToValue(v: unknown): StructValue {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  if (typeof v === 'object') return { structValue: jsonToStruct(v as Record<string, unknown>) };
  return { nullValue: 'NULL_VALUE' };
}
