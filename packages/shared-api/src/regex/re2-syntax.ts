/**
 * An RE2 syntax checker in pure TypeScript: accepts what Go's regexp/syntax parses with Perl flags
 * (what Istio compiles StringMatch regexes with) and rejects the rest, with the position and reason.
 * It checks syntax only; it builds just enough of the tree to apply RE2's repeat-size rule.
 */
import { scanClass, scanEscape, scanUnicodeClass } from './re2-atoms.js';
import { Re2Error } from './re2-error.js';
import type { Re2SyntaxError } from './re2-error.js';

export type { Re2SyntaxError } from './re2-error.js';

/** The outcome of {@link checkRe2Syntax}. */
export type Re2SyntaxResult = { ok: true } | { ok: false; error: Re2SyntaxError };

/** RE2's limit on `{n,m}` counts, and on the product of nested counts. */
const MAX_REPEAT = 1000;
/** Go's limit on nesting depth. */
const MAX_DEPTH = 1000;

/** A parsed item: enough structure for the nested-repeat rule. */
interface Node {
  /** `{min,max}` repeat (max -1 = unbounded); undefined for anything else. */
  repeat?: { min: number; max: number };
  subs: Node[];
}

/** An open group on the parse stack. */
interface Frame {
  /** Items of the current alternative (concatenation). */
  items: Node[];
  /** Items of the alternatives already closed by `|`. */
  done: Node[];
  /** Where the group opened (for "missing )"). */
  start: number;
}

/** Checks `pattern` against RE2 syntax; never throws. */
export function checkRe2Syntax(pattern: string): Re2SyntaxResult {
  try {
    new Re2Checker(pattern).run();
    return { ok: true };
  } catch (e) {
    if (e instanceof Re2Error) return { ok: false, error: { position: e.position, expr: e.expr, reason: e.reason } };
    throw e;
  }
}

/** One-line description of a syntax error, for a FieldViolation message. */
export function describeRe2Error(e: Re2SyntaxError): string {
  return `${e.reason} at position ${e.position}${e.expr ? ` (\`${e.expr}\`)` : ''}`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

class Re2Checker {
  private pos = 0;
  private readonly stack: Frame[] = [{ items: [], done: [], start: 0 }];
  private readonly names = new Set<string>();
  /** Whether the previous token was a repetition operator (RE2 forbids stacking them: `a**`, `a++`). */
  private lastRepeat: { start: number } | undefined;

  constructor(private readonly s: string) {}

  run(): void {
    this.checkUtf16();
    while (this.pos < this.s.length) {
      const start = this.pos;
      const c = this.s[this.pos]!;
      let repeated = false;
      switch (c) {
        case '(':
          this.openGroup();
          break;
        case '|':
          this.pos++;
          this.top().done.push({ subs: this.top().items });
          this.top().items = [];
          break;
        case ')':
          this.closeGroup();
          break;
        case '[':
          this.pos = scanClass(this.s, this.pos);
          this.push();
          break;
        case '*':
        case '+':
        case '?':
          this.pos++;
          this.repeat(start, c === '+' ? 1 : 0, c === '?' ? 1 : -1);
          repeated = true;
          break;
        case '{': {
          const r = this.parseRepeatCount();
          if (!r) {
            // Not a well-formed count: `{` is a literal, as in RE2.
            this.pos++;
            this.push();
            break;
          }
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            throw new Re2Error(start, this.s.slice(start, this.pos), 'invalid repeat count (counts are at most 1000 and min <= max)');
          }
          this.repeat(start, r.min, r.max);
          repeated = true;
          break;
        }
        case '\\':
          this.parseBackslash();
          break;
        default:
          // Literals, `.`, `^`, `$`: one item each.
          this.pos += this.s.codePointAt(this.pos)! > 0xffff ? 2 : 1;
          this.push();
      }
      this.lastRepeat = repeated ? { start } : undefined;
    }
    if (this.stack.length !== 1) {
      const open = this.stack[this.stack.length - 1]!;
      throw new Re2Error(open.start, this.s.slice(open.start), 'missing closing )');
    }
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private push(node: Node = { subs: [] }): void {
    this.top().items.push(node);
  }

  /** Lone UTF-16 surrogates cannot be encoded as UTF-8: RE2 rejects invalid UTF-8. */
  private checkUtf16(): void {
    for (let i = 0; i < this.s.length; i++) {
      const code = this.s.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff) {
        const next = this.s.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
        throw new Re2Error(i, this.s[i]!, 'invalid UTF-8');
      }
      if (code >= 0xdc00 && code <= 0xdfff) throw new Re2Error(i, this.s[i]!, 'invalid UTF-8');
    }
  }

  private repeat(start: number, min: number, max: number): void {
    // A `?` right after a repetition operator makes it non-greedy; it is part of the operator.
    if (this.s[this.pos] === '?') this.pos++;
    const op = this.s.slice(start, this.pos);
    if (this.lastRepeat) {
      const prev = this.s.slice(this.lastRepeat.start, this.pos);
      throw new Re2Error(this.lastRepeat.start, prev, 'invalid nested repetition operator: RE2 does not allow stacked or possessive repetition');
    }
    const items = this.top().items;
    if (items.length === 0) throw new Re2Error(start, op, 'missing argument to repetition operator');
    const node: Node = { repeat: { min, max }, subs: [items.pop()!] };
    if ((min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new Re2Error(start, op, 'invalid repeat count: nested repetitions exceed 1000 copies');
    }
    items.push(node);
  }

  /** `{n}`, `{n,}`, `{n,m}`; undefined when the text is not a count (then `{` is a literal). */
  private parseRepeatCount(): { min: number; max: number } | undefined {
    let i = this.pos + 1;
    const int = (): number | undefined => {
      if (!isDigit(this.s[i])) return undefined;
      // RE2 disallows leading zeros.
      if (this.s[i] === '0' && isDigit(this.s[i + 1])) return undefined;
      let n = 0;
      while (isDigit(this.s[i])) {
        n = n >= 1e8 ? -1 : n * 10 + Number(this.s[i]);
        i++;
      }
      return n;
    };
    let min = int();
    if (min === undefined) return undefined;
    let max = min;
    if (this.s[i] === ',') {
      i++;
      if (this.s[i] === '}') max = -1;
      else {
        const m = int();
        if (m === undefined) return undefined;
        max = m;
        if (max < 0) min = -1;
      }
    }
    if (this.s[i] !== '}') return undefined;
    this.pos = i + 1;
    return { min, max };
  }

  private openGroup(): void {
    const start = this.pos;
    if (this.stack.length > MAX_DEPTH) throw new Re2Error(start, '(', 'expression nests too deeply');
    if (this.s[start + 1] !== '?') {
      this.pos++;
      this.stack.push({ items: [], done: [], start });
      return;
    }
    const rest = this.s.slice(start);
    if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
      throw new Re2Error(start, rest.slice(0, 3), 'lookahead assertions are not supported by RE2');
    }
    if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      throw new Re2Error(start, rest.slice(0, 4), 'lookbehind assertions are not supported by RE2');
    }
    if (rest.startsWith('(?P<') || rest.startsWith('(?<')) {
      const begin = rest.startsWith('(?P<') ? 4 : 3;
      const end = rest.indexOf('>');
      if (end < 0) throw new Re2Error(start, rest, 'invalid named capture: missing >');
      const name = rest.slice(begin, end);
      if (!/^\w+$/.test(name)) throw new Re2Error(start, rest.slice(0, end + 1), 'invalid named capture: the name must be letters, digits and _');
      if (this.names.has(name)) throw new Re2Error(start, rest.slice(0, end + 1), `duplicate capture group name "${name}"`);
      this.names.add(name);
      this.pos = start + end + 1;
      this.stack.push({ items: [], done: [], start });
      return;
    }
    // Flags: (?flags) or (?flags:re), flags from i m s U, optionally negated after one '-'.
    let i = start + 2;
    let negated = false;
    let sawFlag = false;
    for (;;) {
      const c = this.s[i];
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        sawFlag = true;
        i++;
        continue;
      }
      if (c === '-' && !negated) {
        negated = true;
        sawFlag = false;
        i++;
        continue;
      }
      if ((c === ':' || c === ')') && (!negated || sawFlag)) {
        this.pos = i + 1;
        if (c === ':') this.stack.push({ items: [], done: [], start });
        return;
      }
      const bad = this.s.slice(start, Math.min(i + 1, this.s.length));
      const why = c === '#' ? 'comments' : c === 'P' || c === '>' ? 'this group syntax' : 'this flag or group syntax';
      throw new Re2Error(start, bad, `invalid or unsupported Perl syntax: RE2 does not support ${why} (its flags are i, m, s and U)`);
    }
  }

  private closeGroup(): void {
    const start = this.pos;
    if (this.stack.length < 2) throw new Re2Error(start, ')', 'unexpected ) with no matching (');
    const frame = this.stack.pop()!;
    this.pos++;
    this.push({ subs: [...frame.done, { subs: frame.items }] });
  }

  private parseBackslash(): void {
    const start = this.pos;
    const next = this.s[start + 1];
    if (next === undefined) throw new Re2Error(start, '\\', 'trailing backslash at end of expression');
    // \C (any byte) is RE2's (the engine Envoy runs); Go's regexp/syntax alone rejects it.
    switch (next) {
      case 'A':
      case 'b':
      case 'B':
      case 'z':
      case 'C':
        this.pos += 2;
        this.push();
        return;
      case 'Q': {
        // \Q...\E: everything up to \E (or the end) is literal.
        const end = this.s.indexOf('\\E', start + 2);
        this.pos = end < 0 ? this.s.length : end + 2;
        if ((end < 0 ? this.s.length : end) > start + 2) this.push();
        return;
      }
      case 'Z':
        throw new Re2Error(start, '\\Z', 'invalid escape sequence `\\Z`: RE2 has no \\Z; use \\z (end of text) or $');
      default:
    }
    if (next === 'p' || next === 'P') {
      this.pos = scanUnicodeClass(this.s, start);
      this.push();
      return;
    }
    if ('dDsSwW'.includes(next)) {
      this.pos += 2;
      this.push();
      return;
    }
    this.pos = scanEscape(this.s, start);
    this.push();
  }

}

/** RE2's rule: a repeat of repeats must not expand to more than `n` copies of the innermost item. */
function repeatIsValid(node: Node, n: number): boolean {
  if (node.repeat) {
    let m = node.repeat.max;
    if (m === 0) return true;
    if (m < 0) m = node.repeat.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  return node.subs.every((s) => repeatIsValid(s, n));
}
