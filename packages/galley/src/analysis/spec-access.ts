import type { ConfigResource } from '@mesh/shared-api';

/**
 * Tolerant readers for specs under analysis: they may come from unvalidated files, so nothing is
 * assumed about their shape.
 */

const EMPTY: readonly unknown[] = Object.freeze([]);

/** A plain object, or undefined. */
export function obj(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** An array, or empty. */
export function arr(x: unknown): readonly unknown[] {
  return Array.isArray(x) ? x : EMPTY;
}

/** A string, or undefined. */
export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** A string-to-string map (labels, selectors), or undefined. */
export function labelMap(x: unknown): Record<string, string> | undefined {
  const o = obj(x);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** True when every selector label is present with the same value. */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** `a=1,b=2`, sorted: how selectors are written in messages. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The object's namespace (`default` when it names none, as for documents in files). */
export function namespaceOf(r: ConfigResource): string {
  return r.metadata.namespace ?? 'default';
}

/** `Kind/namespace/name`: an object's identity within a snapshot. */
export function resourceKey(r: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${r.kind}/${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;
}
