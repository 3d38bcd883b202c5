import type { JsonSchema } from '@mesh/shared-api';

/** A node of a CRD's OpenAPI v3 schema (apiextensions.k8s.io/v1 JSONSchemaProps). */
export type CrdSchema = Record<string, unknown>;

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const OPEN: CrdSchema = Object.freeze({ [PRESERVE]: true });
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
/** Formats the API server knows; others would be ignored at best. */
const K8S_FORMATS = new Set(['bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration', 'date-time', 'datetime', 'int32', 'int64', 'float', 'double']);
const COPIED: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength'],
  integer: ['minimum', 'maximum', 'multipleOf'],
  number: ['minimum', 'maximum', 'multipleOf'],
  array: ['minItems', 'maxItems'],
  object: ['minProperties', 'maxProperties'],
};
const JUNCTORS = ['oneOf', 'anyOf', 'allOf', 'not'] as const;
/** Keywords a value-validation junctor may use (no type, no structure: Kubernetes forbids them there). */
const VALUE_ONLY = new Set(['required', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'pattern', ...JUNCTORS]);

/**
 * Converts one of shared-api's JSON Schemas (written for ajv) into a structural schema that
 * Kubernetes accepts in a CRD (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema).
 * The result may be looser than the input, never stricter — Galley validates fully anyway:
 * - every node gets one `type`, or `x-kubernetes-preserve-unknown-fields` when it may hold any value;
 * - open objects (no `additionalProperties: false`) keep unknown fields (`x-kubernetes-preserve-unknown-fields`)
 *   instead of having them pruned; `properties` and a typed `additionalProperties` together become the same;
 * - type unions: `null` becomes `nullable`, `[integer, string]` becomes `x-kubernetes-int-or-string`, others open;
 * - `const` becomes a one-value `enum`; numeric `exclusiveMinimum`/`Maximum` become OpenAPI's boolean form;
 * - local `$ref`s are inlined (recursion becomes an open node); `allOf` is merged into its parent;
 * - `oneOf`/`anyOf`/`not` are kept only when every branch is pure value validation, otherwise their
 *   fields are merged into the parent and the junctor is dropped;
 * - dropped: `errorMessage` and other ajv annotations, `default`, `examples`, `$comment`, `uniqueItems`,
 *   `patternProperties` (object made open), tuple `items` (items made open), unknown `format`s, and
 *   `pattern`s using syntax Go's RE2 lacks (lookaround, backreferences, `\u` escapes).
 */
export function toStructuralSchema(schema: JsonSchema): CrdSchema {
  return convert(schema, schema, []);
}

function convert(input: unknown, root: JsonSchema, refs: readonly string[]): CrdSchema {
  if (!isRecord(input) || Object.keys(input).length === 0) return { ...OPEN };
  let s: Record<string, unknown> = input;
  if (typeof s['$ref'] === 'string') {
    const ref = s['$ref'];
    const target = resolveRef(root, ref);
    if (!target || refs.includes(ref)) return { ...OPEN }; // unresolvable or recursive
    const { $ref: _r, ...siblings } = s;
    return convert(mergeSchemas(target, siblings), root, [...refs, ref]);
  }
  if (Array.isArray(s['allOf'])) {
    const { allOf, ...rest } = s;
    s = (allOf as unknown[]).filter(isRecord).reduce<Record<string, unknown>>((acc, b) => mergeSchemas(acc, resolveDeep(b, root)), rest);
  }
  const out: CrdSchema = {};
  if (typeof s['description'] === 'string') out['description'] = s['description'];
  const branches = (['oneOf', 'anyOf'] as const).flatMap((j) => (Array.isArray(s[j]) ? (s[j] as unknown[]).filter(isRecord) : []));
  const type = resolveType(s, branches);
  if (type.nullable) out['nullable'] = true;
  if (type.kind === 'open') return { ...out, [PRESERVE]: true };
  if (type.kind === 'int-or-string') return { ...out, 'x-kubernetes-int-or-string': true };
  const t = type.type;
  out['type'] = t;
  if (s['const'] !== undefined) out['enum'] = [s['const']];
  else if (Array.isArray(s['enum'])) out['enum'] = s['enum'].filter((v) => v !== null || type.nullable);
  for (const k of COPIED[t] ?? []) if (typeof s[k] === 'number') out[k] = s[k];
  if (t === 'integer' || t === 'number') exclusiveBounds(s, out);
  if (t === 'string') {
    if (typeof s['pattern'] === 'string' && isRe2Compatible(s['pattern'])) out['pattern'] = s['pattern'];
    if (typeof s['format'] === 'string' && K8S_FORMATS.has(s['format'])) out['format'] = s['format'];
  }
  if ((t === 'integer' || t === 'number') && typeof s['format'] === 'string' && K8S_FORMATS.has(s['format'])) out['format'] = s['format'];
  if (t === 'array') out['items'] = isRecord(s['items']) ? convert(s['items'], root, refs) : { ...OPEN };
  if (t === 'object') convertObject(s, branches, out, root, refs);
  keepValueJunctors(s, out);
  return out;
}

type ResolvedType = { kind: 'typed'; type: string; nullable: boolean } | { kind: 'open'; nullable: boolean } | { kind: 'int-or-string'; nullable: boolean };

/** One Kubernetes type for a node, from `type`, or inferred from its keywords, enum, const or branches. */
function resolveType(s: Record<string, unknown>, branches: readonly Record<string, unknown>[]): ResolvedType {
  let types: string[];
  if (typeof s['type'] === 'string') types = [s['type']];
  else if (Array.isArray(s['type'])) types = s['type'].filter((x): x is string => typeof x === 'string');
  else if (isRecord(s['properties']) || isRecord(s['additionalProperties'])) types = ['object'];
  else if (s['items'] !== undefined) types = ['array'];
  else if (s['const'] !== undefined || Array.isArray(s['enum'])) types = [...new Set((s['const'] !== undefined ? [s['const']] : (s['enum'] as unknown[])).map(jsonType))];
  else types = [...new Set(branches.map((b) => (typeof b['type'] === 'string' ? b['type'] : 'any')))];
  const nullable = types.includes('null') || s['nullable'] === true;
  const concrete = [...new Set(types.filter((x) => x !== 'null'))].map((x) => (x === 'integer' && types.includes('number') ? 'number' : x));
  const unique = [...new Set(concrete)];
  if (unique.length === 1 && TYPES.includes(unique[0]!)) return { kind: 'typed', type: unique[0]!, nullable };
  if (unique.length === 2 && unique.includes('string') && unique.includes('integer')) return { kind: 'int-or-string', nullable };
  return { kind: 'open', nullable };
}

function convertObject(s: Record<string, unknown>, branches: readonly Record<string, unknown>[], out: CrdSchema, root: JsonSchema, refs: readonly string[]): void {
  const own = isRecord(s['properties']) ? s['properties'] : undefined;
  // Fields that only oneOf/anyOf branches declare still have to survive pruning.
  const fromBranches = branches.some((b) => isRecord(b['properties']) && !isValueOnly(b)) ? branchProperties(branches) : {};
  const props: Record<string, unknown> = { ...fromBranches, ...(own ?? {}) };
  const addl = s['additionalProperties'];
  const hasProps = own !== undefined || Object.keys(fromBranches).length > 0;
  if (hasProps) {
    out['properties'] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(v, root, refs)]));
    if (addl !== false) out[PRESERVE] = true; // open in JSON Schema: unknown fields are kept, not pruned
  } else if (isRecord(addl) && Object.keys(addl).length > 0) {
    out['additionalProperties'] = convert(addl, root, refs);
  } else if (addl !== false || s['patternProperties'] !== undefined) {
    out[PRESERVE] = true;
  }
  if (s['patternProperties'] !== undefined && hasProps) out[PRESERVE] = true;
  if (Array.isArray(s['required'])) {
    const declared = out['properties'] as Record<string, unknown> | undefined;
    const required = s['required'].filter((r): r is string => typeof r === 'string' && (declared === undefined ? out['additionalProperties'] !== undefined || out[PRESERVE] === true : r in declared));
    if (required.length > 0) out['required'] = required;
  }
}

/** Properties named by oneOf/anyOf branches; a field two branches type differently becomes open. */
function branchProperties(branches: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const b of branches) {
    if (!isRecord(b['properties'])) continue;
    for (const [k, v] of Object.entries(b['properties'])) out[k] = k in out && JSON.stringify(out[k]) !== JSON.stringify(v) ? {} : v;
  }
  return out;
}

/** Keeps oneOf/anyOf/not only when they are pure value validation, so they mean exactly what they meant. */
function keepValueJunctors(s: Record<string, unknown>, out: CrdSchema): void {
  const declared = isRecord(out['properties']) ? out['properties'] : {};
  const fits = (b: unknown): boolean => isRecord(b) && isValueOnly(b) && requiredDeclared(b, declared);
  for (const j of ['oneOf', 'anyOf'] as const) {
    const list = s[j];
    if (Array.isArray(list) && list.length > 0 && list.every(fits)) out[j] = structuredClone(list);
  }
  if (fits(s['not'])) out['not'] = structuredClone(s['not']);
}

function isValueOnly(b: Record<string, unknown>): boolean {
  return Object.entries(b).every(([k, v]) => {
    if (!VALUE_ONLY.has(k)) return false;
    if (k === 'pattern') return typeof v === 'string' && isRe2Compatible(v);
    if (k === 'not') return isRecord(v) && isValueOnly(v);
    if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') return Array.isArray(v) && v.every((x) => isRecord(x) && isValueOnly(x));
    return true;
  });
}

function requiredDeclared(b: Record<string, unknown>, declared: Record<string, unknown>): boolean {
  if (Array.isArray(b['required']) && !b['required'].every((r) => typeof r === 'string' && r in declared)) return false;
  for (const j of JUNCTORS) {
    const v = b[j];
    if (Array.isArray(v) && !v.every((x) => isRecord(x) && requiredDeclared(x, declared))) return false;
    if (isRecord(v) && !requiredDeclared(v, declared)) return false;
  }
  return true;
}

/** JSON Schema 2019+ writes exclusive bounds as numbers; OpenAPI 3.0 (and Kubernetes) as booleans. */
function exclusiveBounds(s: Record<string, unknown>, out: CrdSchema): void {
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    const v = s[ex];
    if (typeof v === 'number') {
      out[bound] = v;
      out[ex] = true;
    } else if (v === true && typeof out[bound] === 'number') out[ex] = true;
  }
}

/** Go's regexp (RE2) has no lookaround or backreferences and writes code points as \x{...}. */
function isRe2Compatible(pattern: string): boolean {
  return !/\(\?<?[=!]|\\[1-9]|\\k<|\\u[0-9a-fA-F{]|\(\?<[A-Za-z]/.test(pattern);
}

function resolveRef(root: JsonSchema, ref: string): Record<string, unknown> | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    if (!isRecord(node)) return undefined;
    node = node[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return isRecord(node) ? node : undefined;
}

function resolveDeep(s: Record<string, unknown>, root: JsonSchema): Record<string, unknown> {
  return typeof s['$ref'] === 'string' ? { ...(resolveRef(root, s['$ref']) ?? {}), ...s, $ref: undefined } : s;
}

/** Merges two schemas that must both hold (allOf): properties are combined, required lists joined. */
function mergeSchemas(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    if (k === 'properties' && isRecord(out[k]) && isRecord(v)) out[k] = { ...out[k], ...v };
    else if (k === 'required' && Array.isArray(out[k]) && Array.isArray(v)) out[k] = [...new Set([...(out[k] as unknown[]), ...v])];
    else if (!(k in out)) out[k] = v;
  }
  return out;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
