import { CORE_SCHEMA, loadAll } from 'js-yaml';

/**
 * The documents of a YAML stream parsed by js-yaml (YAML 1.2 core schema, as the `yaml` package
 * reads it by default), or undefined when this fast path does not decide alone. js-yaml parses the
 * apply endpoint's multi-document bodies 6–8 times faster than `yaml` (bench/RESULTS.md, Galley),
 * but `yaml` stays the reference for everything unusual, so results and messages do not change:
 * a syntax error, a null or empty document (which `yaml` keeps or skips by its own rules), an alias
 * (js-yaml shares the aliased node; `yaml` expands it and bounds the expansion), or nesting deeper
 * than `maxDepth` all return undefined and the caller parses with `yaml`.
 */
export function fastYamlDocuments(text: string, maxDepth: number): unknown[] | undefined {
  let docs: unknown[];
  try {
    docs = loadAll(text, undefined, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  for (const doc of docs) {
    if (doc === null || doc === undefined || !isPlainTree(doc, maxDepth)) return undefined;
  }
  return docs;
}

/** True when `value` is a tree (no node reached twice, as an alias would make it) no deeper than `maxDepth`. */
function isPlainTree(value: unknown, maxDepth: number): boolean {
  const seen = new Set<object>();
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth || seen.has(v)) return false;
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}
