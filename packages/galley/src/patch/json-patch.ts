import { cloneJson, isJsonObject, jsonEqual, setOwn } from './json-value.js';

/** One JSON Patch operation (RFC 6902, section 4). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Why a patch could not be used: `malformed` is the client's syntax (400), `failed` its effect (422). */
export type JsonPatchResult = { ok: true; value: unknown } | { ok: false; kind: 'malformed' | 'failed'; message: string };

/** The Kubernetes API server's cap on operations in one JSON Patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the shape of a JSON Patch document (an array of operations with the members each op needs). */
export function parseJsonPatch(doc: unknown): { ok: true; ops: JsonPatchOperation[] } | { ok: false; message: string } {
  if (!Array.isArray(doc)) return { ok: false, message: 'a JSON Patch must be an array of operations (RFC 6902)' };
  if (doc.length > MAX_JSON_PATCH_OPERATIONS) return { ok: false, message: `a JSON Patch may hold at most ${MAX_JSON_PATCH_OPERATIONS} operations` };
  const ops: JsonPatchOperation[] = [];
  for (const [i, raw] of doc.entries()) {
    const at = `operation ${i}`;
    if (!isJsonObject(raw)) return { ok: false, message: `${at} must be an object with "op" and "path"` };
    const op = raw['op'];
    if (typeof op !== 'string' || !OPS.has(op)) return { ok: false, message: `${at}: "op" must be one of add, remove, replace, move, copy, test` };
    const path = raw['path'];
    if (typeof path !== 'string' || pointerTokens(path) === undefined) return { ok: false, message: `${at}: "path" must be a JSON Pointer (RFC 6901), such as "/spec/hosts/0"` };
    if (op === 'move' || op === 'copy') {
      const from = raw['from'];
      if (typeof from !== 'string' || pointerTokens(from) === undefined) return { ok: false, message: `${at}: "${op}" needs "from", a JSON Pointer` };
      ops.push({ op, from, path });
    } else if (op === 'remove') {
      ops.push({ op, path });
    } else {
      if (!Object.prototype.hasOwnProperty.call(raw, 'value')) return { ok: false, message: `${at}: "${op}" needs "value"` };
      ops.push({ op: op as 'add' | 'replace' | 'test', path, value: raw['value'] });
    }
  }
  return { ok: true, ops };
}

/** RFC 6901 tokens of a pointer (`~1` is `/`, `~0` is `~`); undefined when it is not a pointer. */
function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~[^01]|~$/.test(t))) return undefined;
  return tokens.map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

class PatchFailure extends Error {}

/** Parses an array index token: digits without leading zeros (RFC 6901, section 4). */
function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchFailure(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new PatchFailure(`index ${i} is out of range (the array has ${length} elements)`);
  return i;
}

/** The container holding the pointer's last token, walking through existing members only. */
function parentOf(doc: unknown, tokens: string[], pointer: string): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isJsonObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw new PatchFailure(`path "${pointer}" does not exist`);
  }
  return cur;
}

function get(doc: unknown, pointer: string): unknown {
  const tokens = pointerTokens(pointer)!;
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false)];
  if (isJsonObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) return parent[last];
  throw new PatchFailure(`path "${pointer}" does not exist`);
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = pointerTokens(pointer)!;
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else if (isJsonObject(parent)) setOwn(parent, last, value);
  else throw new PatchFailure(`path "${pointer}" does not exist`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = pointerTokens(pointer)!;
  if (tokens.length === 0) throw new PatchFailure('cannot remove the whole document');
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false), 1);
  else if (isJsonObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
  else throw new PatchFailure(`path "${pointer}" does not exist`);
  return doc;
}

/**
 * Applies a JSON Patch (RFC 6902) to a copy of `target`. Operations apply in order and the patch
 * is all-or-nothing: the first failing operation (a missing path, a failed `test`) fails it all.
 */
export function applyJsonPatch(target: unknown, doc: unknown): JsonPatchResult {
  const parsed = parseJsonPatch(doc);
  if (!parsed.ok) return { ok: false, kind: 'malformed', message: parsed.message };
  let cur = cloneJson(target);
  for (const [i, op] of parsed.ops.entries()) {
    try {
      switch (op.op) {
        case 'add':
          cur = add(cur, op.path, cloneJson(op.value));
          break;
        case 'remove':
          cur = remove(cur, op.path);
          break;
        case 'replace':
          get(cur, op.path);
          cur = op.path === '' ? cloneJson(op.value) : add(remove(cur, op.path), op.path, cloneJson(op.value));
          break;
        case 'move': {
          if (op.path !== op.from && op.path.startsWith(`${op.from}/`)) throw new PatchFailure(`cannot move "${op.from}" into its own child "${op.path}"`);
          const value = get(cur, op.from);
          cur = add(remove(cur, op.from), op.path, value);
          break;
        }
        case 'copy':
          cur = add(cur, op.path, cloneJson(get(cur, op.from)));
          break;
        case 'test':
          if (!jsonEqual(get(cur, op.path), op.value)) throw new PatchFailure(`test failed: the value at "${op.path}" is not the expected one`);
          break;
      }
    } catch (err) {
      if (err instanceof PatchFailure) return { ok: false, kind: 'failed', message: `JSON Patch operation ${i} (${op.op} ${op.path}): ${err.message}` };
      throw err;
    }
  }
  return { ok: true, value: cur };
}
