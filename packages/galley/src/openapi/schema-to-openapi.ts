/** A JSON value as schemas are written (JSON Schema in, OpenAPI 3.0 Schema Object out). */
type Schema = Record<string, unknown>;

/** Keywords OpenAPI 3.0 Schema Objects share with JSON Schema (draft 7) and keep as they are. */
const KEEP = [
  'title', 'description', 'format', 'default', 'enum', 'pattern', 'multipleOf', 'minimum', 'maximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'required', 'nullable', 'readOnly', 'writeOnly',
] as const;
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Where recursive `$ref`s stop being inlined: beyond this the subtree is "any object". */
const MAX_REF_DEPTH = 8;

function isRecord(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Converts a JSON Schema (as written in shared-api for ajv) into an OpenAPI 3.0 Schema Object that
 * Kubernetes clients parse (kube-openapi): local `$ref`s are inlined (recursion is cut off with
 * `x-kubernetes-preserve-unknown-fields`), draft-7 forms are mapped (`const` → `enum`, numeric
 * `exclusiveMinimum` → `minimum` + boolean, `type: [t, "null"]` → `nullable`), and keywords
 * OpenAPI 3.0 does not have (errorMessage, if/then/else, patternProperties ...) are dropped:
 * validation stays on the server, the document only describes.
 */
export function toOpenApiSchema(schema: unknown, root: unknown = schema, depth = 0): Schema {
  if (!isRecord(schema)) return {};
  if (typeof schema['$ref'] === 'string') {
    const target = resolveRef(root, schema['$ref']);
    if (!target || depth >= MAX_REF_DEPTH) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    return toOpenApiSchema(target, root, depth + 1);
  }
  const out: Schema = {};
  for (const k of KEEP) if (schema[k] !== undefined) out[k] = schema[k];
  if (schema['const'] !== undefined) out['enum'] = [schema['const']];
  const type = schema['type'];
  if (typeof type === 'string') out['type'] = type;
  else if (Array.isArray(type)) {
    const types = type.filter((t) => t !== 'null');
    if (types.length === 1 && typeof types[0] === 'string') out['type'] = types[0];
    if (types.length !== type.length) out['nullable'] = true;
  }
  for (const [k, flag] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    const v = schema[k];
    if (typeof v === 'number') {
      out[flag] = v;
      out[k] = true;
    } else if (typeof v === 'boolean') out[k] = v;
  }
  if (isRecord(schema['properties'])) {
    const props: Schema = {};
    for (const [name, sub] of Object.entries(schema['properties'])) props[name] = toOpenApiSchema(sub, root, depth);
    out['properties'] = props;
  }
  const items = schema['items'];
  if (isRecord(items)) out['items'] = toOpenApiSchema(items, root, depth);
  else if (Array.isArray(items)) out['items'] = {}; // tuple validation has no OpenAPI 3.0 form
  const additional = schema['additionalProperties'];
  if (typeof additional === 'boolean') out['additionalProperties'] = additional;
  else if (isRecord(additional)) out['additionalProperties'] = toOpenApiSchema(additional, root, depth);
  for (const k of SCHEMA_LISTS) {
    const list = schema[k];
    if (Array.isArray(list)) out[k] = list.map((s) => toOpenApiSchema(s, root, depth));
  }
  if (isRecord(schema['not'])) out['not'] = toOpenApiSchema(schema['not'], root, depth);
  if (out['type'] === 'object' && out['properties'] === undefined && out['additionalProperties'] === undefined) {
    // An open object ("any fields"): say so the way CRD schemas do.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

/** Resolves `#/definitions/x`, `#/$defs/x` or any local JSON Pointer against the root schema. */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isRecord(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}
