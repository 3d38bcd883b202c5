import type { ValidationResult } from '@mesh/shared-api';

/** Fields a custom resource can be selected by (Kubernetes: metadata.name and metadata.namespace). */
export const SELECTABLE_FIELDS = ['metadata.name', 'metadata.namespace'] as const;
export type SelectableField = (typeof SELECTABLE_FIELDS)[number];

/** One `field=value` / `field!=value` term. */
export interface FieldRequirement {
  field: SelectableField;
  op: 'eq' | 'neq';
  value: string;
}

/** A parsed field selector: the conjunction of its terms. */
export type FieldSelector = readonly FieldRequirement[];

const MAX_SELECTOR_LENGTH = 4096;

/** Splits on unescaped `sep`, keeping escapes (k8s.io/apimachinery/pkg/fields `splitTerms`). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1]!;
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Undoes `\\`, `\,`, `\=` and `\!` escapes; undefined on any other escape (as Kubernetes rejects them). */
function unescape(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[i + 1];
    if (n === undefined || !'\\,=!'.includes(n)) return undefined;
    out += n;
    i++;
  }
  return out;
}

/** Parses a `fieldSelector` query value: comma-separated `field=value`, `field==value`, `field!=value`. */
export function parseFieldSelector(input: string): ValidationResult<FieldSelector> {
  const fail = (message: string): ValidationResult<FieldSelector> => ({ ok: false, errors: [{ field: 'fieldSelector', message }] });
  if (input.length > MAX_SELECTOR_LENGTH) return fail(`is longer than ${MAX_SELECTOR_LENGTH} characters`);
  const out: FieldRequirement[] = [];
  if (input.trim() === '') return { ok: true, value: out, warnings: [] };
  for (const term of splitUnescaped(input, ',')) {
    // The first unescaped operator splits the term; `!=` and `==` are tried before `=`.
    const m = /^((?:[^\\=!]|\\.)*)(!=|==|=)(.*)$/s.exec(term);
    if (!m) return fail(`invalid selector term "${term}": expected field=value, field==value or field!=value`);
    const field = m[1]!.trim();
    const value = unescape(m[3]!);
    if (value === undefined) return fail(`invalid escape sequence in "${term}": only \\\\, \\, and \\= may be escaped`);
    if (!(SELECTABLE_FIELDS as readonly string[]).includes(field)) {
      return fail(`"${field}" is not a known field selector: only ${SELECTABLE_FIELDS.map((f) => `"${f}"`).join(', ')}`);
    }
    out.push({ field: field as SelectableField, op: m[2] === '!=' ? 'neq' : 'eq', value });
  }
  return { ok: true, value: out, warnings: [] };
}

/** True when the object's name and namespace satisfy every term. */
export function matchesFields(selector: FieldSelector, meta: { name: string; namespace?: string }): boolean {
  return selector.every((r) => {
    const actual = r.field === 'metadata.name' ? meta.name : (meta.namespace ?? '');
    return r.op === 'eq' ? actual === r.value : actual !== r.value;
  });
}

/** The name an equality term pins, when there is one (lets get-by-name shortcuts skip a full list). */
export function pinnedValue(selector: FieldSelector, field: SelectableField): string | undefined {
  return selector.find((r) => r.field === field && r.op === 'eq')?.value;
}
