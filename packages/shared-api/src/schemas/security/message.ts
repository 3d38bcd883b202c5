import type { JsonSchema } from '../common.js';

/**
 * Building blocks for the JSON Schemas of protobuf-defined Istio specs (security, authentication,
 * rbac and config.istio.io kinds).
 *
 * Two protobuf-JSON facts shape them:
 * - `null` means "unset". Kubernetes prunes nulls of non-nullable fields before validation, and
 *   gogo jsonpb decodes them as the default, so an optional field accepts `null` (`nullable`).
 * - Istio 1.4 decoded its CRDs with jsonpb, which accepts a field under its JSON name
 *   (`jwksUri`) and under its proto name (`jwks_uri`); messages built with `protoNames` accept both.
 *   The alias table is kept beside the schema (ajv never sees it) for {@link canonicalFieldName}.
 */

const ALIASES = new WeakMap<object, Readonly<Record<string, string>>>();
const ONE_OF = new WeakMap<object, readonly string[]>();

/** `jwksUri` → `jwks_uri`: the proto field name of a lowerCamel JSON name. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Options of {@link message}. */
export interface MessageOptions {
  /** Fields that must be present (and not null). */
  readonly required?: readonly string[];
  /** Also accept every field under its proto (snake_case) name, as Istio 1.4's jsonpb did. */
  readonly protoNames?: boolean;
  /**
   * Members of a protobuf `oneof`: at most one may be set. Checked by the semantic rules'
   * normalization (see {@link oneOfFields}), which names the fields in its message.
   */
  readonly oneOf?: readonly string[];
}

/** The same schema, also accepting `null` (= unset). Enums get `null` added to their values. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (schema['nullable'] === true || typeof schema['type'] !== 'string') return schema;
  const out: JsonSchema = { ...schema, nullable: true };
  if (Array.isArray(schema['enum'])) out['enum'] = [...(schema['enum'] as unknown[]), null];
  const aliases = ALIASES.get(schema);
  if (aliases) ALIASES.set(out, aliases);
  const oneOf = ONE_OF.get(schema);
  if (oneOf) ONE_OF.set(out, oneOf);
  return out;
}

/** An object schema for one protobuf message: known fields only, optional fields nullable. */
export function message(fields: Readonly<Record<string, JsonSchema>>, opts: MessageOptions = {}): JsonSchema {
  const required = opts.required ?? [];
  const properties: Record<string, JsonSchema> = {};
  const aliases: Record<string, string> = {};
  for (const [name, schema] of Object.entries(fields)) {
    const field = required.includes(name) ? schema : nullable(schema);
    properties[name] = field;
    const alias = snakeCase(name);
    if (opts.protoNames && alias !== name && !(alias in fields)) {
      properties[alias] = field;
      aliases[alias] = name;
    }
  }
  const out: JsonSchema = { type: 'object', additionalProperties: false, properties };
  if (required.length > 0) out['required'] = [...required];
  ALIASES.set(out, aliases);
  if (opts.oneOf) ONE_OF.set(out, opts.oneOf);
  return out;
}

/** The canonical (JSON) name of a field of a {@link message} schema: `jwks_uri` → `jwksUri`. */
export function canonicalFieldName(schema: JsonSchema, key: string): string {
  return ALIASES.get(schema)?.[key] ?? key;
}

/** The members of the `oneof` of a {@link message} schema (at most one may be set), if it has one. */
export function oneOfFields(schema: JsonSchema): readonly string[] | undefined {
  return ONE_OF.get(schema);
}

/** A string enum; the error lists the allowed values. */
export function enumOf(values: readonly string[]): JsonSchema {
  return { type: 'string', enum: [...values], errorMessage: `must be one of ${values.join(', ')}` };
}

/** A list whose items follow `items`. */
export function listOf(items: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'array', items, ...extra };
}

/** A map with string keys whose values follow `values`. */
export function mapOf(values: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', additionalProperties: values, ...extra };
}

export const str: JsonSchema = { type: 'string' };
export const nonEmptyString: JsonSchema = { type: 'string', minLength: 1 };
export const bool: JsonSchema = { type: 'boolean' };
export const double: JsonSchema = { type: 'number' };
export const int32: JsonSchema = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
export const uint32: JsonSchema = { type: 'integer', minimum: 0, maximum: 4294967295 };
/** int64 in JSON: a number (Istio's YAML) — the int64 range exceeds doubles, so only the sign is checked. */
export const int64: JsonSchema = { type: 'integer' };
export const stringList: JsonSchema = listOf(str);
export const stringMap: JsonSchema = mapOf(str);
/** A `google.protobuf.Struct`: any JSON object. */
export const struct: JsonSchema = { type: 'object' };

/**
 * A `google.protobuf.Duration` as gogo jsonpb (Istio 1.4) and Kubernetes accept it: a Go duration
 * such as `1s`, `250ms`, `1.5s` or `1h30m`.
 */
export const goDuration: JsonSchema = {
  type: 'string',
  pattern: '^([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$',
  errorMessage: 'must be a duration such as "1s", "250ms", "1.5s" or "1h30m"',
};

/**
 * A protobuf enum as jsonpb decodes it: the value's name or its number. Always optional (Istio
 * 1.4 had no required enums), so `null` is accepted too.
 */
export function protoEnum(names: readonly string[]): JsonSchema {
  return { enum: [...names, ...names.map((_, i) => i), null], errorMessage: `must be one of ${names.join(', ')}` };
}
