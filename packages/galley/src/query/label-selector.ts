import type { ValidationResult } from '@mesh/shared-api';

/** One requirement of a label selector (k8s.io/apimachinery/pkg/labels, `Requirement`). */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** A parsed label selector: the conjunction of its requirements (empty matches everything). */
export type LabelSelector = readonly LabelRequirement[];

// Label syntax (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INTEGER = /^-?\d+$/;
const MAX_SELECTOR_LENGTH = 4096;

type Token = { kind: 'id'; text: string } | { kind: 'op'; text: string } | { kind: 'end' };

/** Splits a selector into identifiers and the operators `! != = == ( ) , > <` (as the Kubernetes lexer does). */
function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '!' || c === '=') {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ kind: 'op', text: two });
        i += 2;
      } else {
        out.push({ kind: 'op', text: c });
        i++;
      }
    } else if ('(),<>'.includes(c)) {
      out.push({ kind: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !/[\s!=(),<>]/.test(input[j]!)) j++;
      out.push({ kind: 'id', text: input.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: 'end' });
  return out;
}

/** Why a label key is invalid, or undefined (a qualified name: optional DNS-subdomain prefix + `/` + name). */
function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return `the prefix of key "${key}" must be a lowercase DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `key "${key}" must be at most 63 characters, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character (optionally prefixed by a DNS subdomain and '/')`;
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) return `value "${value}" must be at most 63 characters, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  return undefined;
}

/**
 * Parses a `labelSelector` query value with the Kubernetes grammar: comma-separated requirements
 * `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`, `key>n`, `key<n`.
 */
export function parseLabelSelector(input: string): ValidationResult<LabelSelector> {
  const fail = (message: string): ValidationResult<LabelSelector> => ({ ok: false, errors: [{ field: 'labelSelector', message }] });
  if (input.length > MAX_SELECTOR_LENGTH) return fail(`is longer than ${MAX_SELECTOR_LENGTH} characters`);
  const tokens = lex(input);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const describe = (t: Token): string => (t.kind === 'end' ? 'the end of the selector' : `"${t.text}"`);
  const out: LabelRequirement[] = [];
  if (peek().kind === 'end') return { ok: true, value: out, warnings: [] };

  for (;;) {
    let negated = false;
    if (peek().kind === 'op' && (peek() as { text: string }).text === '!') {
      negated = true;
      next();
    }
    const keyTok = next();
    if (keyTok.kind !== 'id') return fail(`found ${describe(keyTok)}, expected a label key`);
    const key = keyTok.text;
    const bad = keyProblem(key);
    if (bad) return fail(`unable to parse requirement: ${bad}`);
    const t = peek();
    if (negated) {
      if (t.kind === 'op' && t.text !== ',') return fail(`found ${describe(t)} after "!${key}", expected "," or the end of the selector`);
      if (t.kind === 'id') return fail(`found ${describe(t)} after "!${key}", expected "," or the end of the selector`);
      out.push({ key, op: 'notexists' });
    } else if (t.kind === 'end' || (t.kind === 'op' && t.text === ',')) {
      out.push({ key, op: 'exists' });
    } else if (t.kind === 'op' && ['=', '==', '!='].includes(t.text)) {
      next();
      const v = peek();
      let value = '';
      // An empty value (`key=`) is allowed: it matches a label set to "".
      if (v.kind === 'id') value = (next() as { text: string }).text;
      else if (!(v.kind === 'end' || (v.kind === 'op' && v.text === ','))) return fail(`found ${describe(v)}, expected a value for "${key}"`);
      const vb = valueProblem(value);
      if (vb) return fail(`unable to parse requirement: ${vb}`);
      out.push({ key, op: t.text === '!=' ? 'neq' : 'eq', value });
    } else if (t.kind === 'op' && (t.text === '>' || t.text === '<')) {
      next();
      const v = next();
      if (v.kind !== 'id' || !INTEGER.test(v.text)) return fail(`found ${describe(v)} after "${key} ${t.text}", expected an integer`);
      out.push({ key, op: t.text === '>' ? 'gt' : 'lt', value: Number(v.text) });
    } else if (t.kind === 'id' && (t.text === 'in' || t.text === 'notin')) {
      next();
      const open = next();
      if (open.kind !== 'op' || open.text !== '(') return fail(`found ${describe(open)} after "${key} ${t.text}", expected "("`);
      const values: string[] = [];
      const first = peek();
      if (first.kind === 'op' && first.text === ')') return fail(`the value set of "${key} ${t.text}" is empty; list at least one value`);
      for (;;) {
        const v = peek();
        if (v.kind === 'id') {
          next();
          const vb = valueProblem(v.text);
          if (vb) return fail(`unable to parse requirement: ${vb}`);
          values.push(v.text);
        } else if (v.kind === 'op' && (v.text === ',' || v.text === ')')) {
          // Kubernetes allows an empty value between commas: `in (a,,b)` includes "".
          values.push('');
        } else return fail(`found ${describe(v)} in the value set of "${key}", expected a value, "," or ")"`);
        const sep = next();
        if (sep.kind === 'op' && sep.text === ')') break;
        if (sep.kind !== 'op' || sep.text !== ',') return fail(`found ${describe(sep)} in the value set of "${key}", expected "," or ")"`);
      }
      out.push({ key, op: t.text, values: [...new Set(values)] });
    } else {
      return fail(`found ${describe(t)} after "${key}", expected one of "=", "==", "!=", "in", "notin", ">", "<", "," or the end`);
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.kind !== 'op' || sep.text !== ',') return fail(`found ${describe(sep)}, expected "," or the end of the selector`);
    if (peek().kind === 'end') return fail('found the end of the selector after ",", expected a requirement');
  }
  return { ok: true, value: out, warnings: [] };
}

/** True when labels satisfy every requirement (the semantics of `labels.Selector.Matches`). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key]! : undefined;
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'gt':
      case 'lt': {
        if (!has || !INTEGER.test(v!)) return false;
        return r.op === 'gt' ? Number(v) > r.value : Number(v) < r.value;
      }
    }
  });
}
