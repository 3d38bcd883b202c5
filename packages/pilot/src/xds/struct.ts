/**
 * `google.protobuf.Struct` ⇄ JSON for node metadata. Note: protobufjs (and so proto-loader and
 * grpc-js) defines the well-known Struct types itself, with camelCase field names even under
 * `keepCase`: a Value is `{ stringValue: 'x', kind: 'stringValue' }`, not `string_value`.
 * snake_case is accepted on read as well.
 */

/** A `google.protobuf.Value` in protobufjs object form. */
export interface StructValue {
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, StructValue> };
  listValue?: { values?: StructValue[] };
  kind?: string;
}

type ValueField = Exclude<keyof StructValue, 'kind'>;
const VALUE_FIELDS: readonly ValueField[] = ['stringValue', 'numberValue', 'boolValue', 'structValue', 'listValue', 'nullValue'];

/** Converts a Struct object to plain JSON; anything that is not an object becomes undefined. */
export function structToJson(struct: unknown): unknown {
  if (typeof struct !== 'object' || struct === null) return undefined;
  const fields = (struct as { fields?: Record<string, unknown> }).fields;
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = valueToJson(v);
  return out;
}

function valueToJson(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = camelize(raw as Record<string, unknown>);
  // `kind` (proto-loader's `oneofs`) names the member that is set; else the first one present.
  const kind = (typeof v.kind === 'string' ? camel(v.kind) : undefined) ?? VALUE_FIELDS.find((f) => v[f] != null);
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

function camelize(o: Record<string, unknown>): StructValue {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[camel(k)] = v;
  return out as StructValue;
}

/** Converts plain JSON to a Struct object grpc-js can encode (for clients and tests). */
export function jsonToStruct(obj: Record<string, unknown>): { fields: Record<string, StructValue> } {
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
