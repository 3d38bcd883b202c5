import { AttrDuration, attrValuesEqual } from '@mesh/shared-api';
import type { AttributeMap, AttrValue, MixerExpr } from '@mesh/shared-api';
import { globMatch } from './functions.js';

/**
 * The native evaluator: a closure per expression for the forms Istio's standard configs use on
 * every request — attributes, literals, map lookups with literal keys, `|`, `==`, `!=`, `<`…`>=`,
 * `&&`, `||`, `!`, `conditional()`, `match()`, `startsWith()`/`endsWith()`. It follows CEL's
 * semantics for these forms (the CEL path is the reference; expression.test.ts runs both on the
 * same table): an absent attribute is an error (here: undefined) unless a `|` default catches it;
 * `&&` / `||` absorb an error when the other side decides (`false && err` is false); values of
 * different types are not equal, except int and double, which compare numerically.
 */
export type Native = (bag: AttributeMap) => AttrValue | undefined;

const ABSENT = undefined;

function isMap(v: AttrValue | undefined): v is Readonly<Record<string, string>> {
  return typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && !(v instanceof AttrDuration);
}

/** CEL equality over attribute values: different types are unequal; int and double compare as numbers. */
export function celEquals(a: AttrValue, b: AttrValue): boolean {
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'bigint') return a === Number(b);
  return attrValuesEqual(a, b);
}

function compare(a: AttrValue, b: AttrValue): number | undefined {
  const num = (v: AttrValue): number | bigint | undefined => (typeof v === 'bigint' || typeof v === 'number' ? v : v instanceof AttrDuration ? v.ms : v instanceof Date ? v.getTime() : undefined);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) return undefined;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  const nx = Number(x);
  const ny = Number(y);
  return nx < ny ? -1 : nx > ny ? 1 : 0;
}

/** The closure for an expression, or undefined when a part of it needs CEL. */
export function nativeOf(e: MixerExpr): Native | undefined {
  switch (e.kind) {
    case 'literal': {
      const v: AttrValue = e.type === 'INT64' ? BigInt(e.value as number) : (e.value as AttrValue);
      return () => v;
    }
    case 'attribute': {
      const name = e.name;
      return (bag) => bag.get(name);
    }
    case 'index': {
      if (e.key.kind !== 'literal' || e.key.type !== 'STRING') return undefined;
      const target = nativeOf(e.target);
      if (!target) return undefined;
      const key = String(e.key.value);
      return (bag) => {
        const m = target(bag);
        return isMap(m) && Object.prototype.hasOwnProperty.call(m, key) ? m[key] : ABSENT;
      };
    }
    case 'unary': {
      const operand = nativeOf(e.operand);
      if (!operand) return undefined;
      if (e.op === '!') {
        return (bag) => {
          const v = operand(bag);
          return typeof v === 'boolean' ? !v : ABSENT;
        };
      }
      return (bag) => {
        const v = operand(bag);
        return typeof v === 'bigint' ? -v : typeof v === 'number' ? -v : ABSENT;
      };
    }
    case 'binary':
      return binary(e);
    case 'call':
      return call(e);
  }
}

function binary(e: Extract<MixerExpr, { kind: 'binary' }>): Native | undefined {
  const l = nativeOf(e.left);
  const r = nativeOf(e.right);
  if (!l || !r) return undefined;
  switch (e.op) {
    case '|':
      return (bag) => l(bag) ?? r(bag);
    case '&&':
      return (bag) => {
        const a = l(bag);
        if (a === false) return false;
        const b = r(bag);
        if (b === false) return false;
        return a === true && b === true ? true : ABSENT;
      };
    case '||':
      return (bag) => {
        const a = l(bag);
        if (a === true) return true;
        const b = r(bag);
        if (b === true) return true;
        return a === false && b === false ? false : ABSENT;
      };
    case '==':
    case '!=': {
      const want = e.op === '==';
      return (bag) => {
        const a = l(bag);
        const b = r(bag);
        return a === undefined || b === undefined ? ABSENT : celEquals(a, b) === want;
      };
    }
    default: {
      const op = e.op;
      return (bag) => {
        const a = l(bag);
        const b = r(bag);
        if (a === undefined || b === undefined) return ABSENT;
        const c = compare(a, b);
        if (c === undefined) return ABSENT;
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
  }
}

function call(e: Extract<MixerExpr, { kind: 'call' }>): Native | undefined {
  const args = e.args.map(nativeOf);
  if (args.some((a) => a === undefined)) return undefined;
  const [a, b, c] = args as Native[];
  if (e.target) {
    const target = nativeOf(e.target);
    if (!target || args.length !== 1 || (e.fn !== 'startsWith' && e.fn !== 'endsWith')) return undefined;
    const starts = e.fn === 'startsWith';
    return (bag) => {
      const s = target(bag);
      const p = a!(bag);
      return typeof s === 'string' && typeof p === 'string' ? (starts ? s.startsWith(p) : s.endsWith(p)) : ABSENT;
    };
  }
  if (e.fn === 'conditional' && args.length === 3) {
    return (bag) => {
      const cond = a!(bag);
      return cond === true ? b!(bag) : cond === false ? c!(bag) : ABSENT;
    };
  }
  if (e.fn === 'match' && args.length === 2) {
    return (bag) => {
      const s = a!(bag);
      const p = b!(bag);
      return typeof s === 'string' && typeof p === 'string' ? globMatch(s, p) : ABSENT;
    };
  }
  return undefined;
}
