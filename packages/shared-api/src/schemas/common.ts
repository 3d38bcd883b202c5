/** JSON Schema building blocks shared by the per-kind schemas. */
export type JsonSchema = Record<string, unknown>;

/** A protobuf Duration as Istio YAML writes it: `1.5s`, `300ms`, `2m`, `1h`. */
export const duration: JsonSchema = {
  type: 'string',
  pattern: '^[0-9]+(\\.[0-9]+)?(h|m|s|ms|us|µs|ns)$',
  errorMessage: 'must be a duration such as "1s", "250ms" or "1.5s"',
};

export const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

/** A StringMatch: exactly one of exact / prefix / regex. */
export const stringMatch: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { exact: { type: 'string' }, prefix: { type: 'string' }, regex: { type: 'string' } },
  maxProperties: 1,
};

export const uint32: JsonSchema = { type: 'integer', minimum: 0, maximum: 4294967295 };
export const portNumber: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535 };

/** `exportTo` entries: `.`, `*` or a namespace name. */
export const exportTo: JsonSchema = { type: 'array', items: { type: 'string', minLength: 1 } };

/** A JSON object whose fields later issues type precisely; accepted as any object for now. */
export const anyObject: JsonSchema = { type: 'object' };
