/**
 * A parser for Istio 1.4 Mixer's configuration expression language (CEXL), used by rule `match`
 * expressions and instance field expressions. CEXL is a subset of Go expression syntax:
 *
 *     expr    := or
 *     or      := and ( "||" and )*
 *     and     := cmp ( "&&" cmp )*
 *     cmp     := pipe ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) pipe )*
 *     pipe    := unary ( "|" unary )*            -- "first non-empty of", Go's `|` precedence
 *     unary   := ( "!" | "-" ) unary | postfix
 *     postfix := primary ( "." ident | "." ident "(" args ")" | "[" expr "]" | "(" args ")" )*
 *     primary := literal | ident | "(" expr ")"
 *
 * Attribute names are dotted identifiers (`request.headers`, `$out.source_pod_ip`); `a.b(...)` calls
 * a method on the attribute `a` (`request.path.startsWith("/api")`). Literals are Go's: "strings"
 * with escapes, `raw strings`, integers, floats, `true`/`false`.
 */

/** A parsed expression. Positions are 1-based character columns in the source. */
export type MixerExpr =
  | { kind: 'literal'; type: 'STRING' | 'INT64' | 'DOUBLE' | 'BOOL'; value: string | number | boolean; pos: number }
  | { kind: 'attribute'; name: string; pos: number }
  | { kind: 'index'; target: MixerExpr; key: MixerExpr; pos: number }
  | { kind: 'call'; fn: string; target?: MixerExpr; args: MixerExpr[]; pos: number }
  | { kind: 'unary'; op: '!' | '-'; operand: MixerExpr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: MixerExpr; right: MixerExpr; pos: number };

/** Binary operators of CEXL. */
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '|';

/** The outcome of parsing: the tree, or the first error with its position. */
export type ParseResult = { ok: true; expr: MixerExpr } | { ok: false; message: string; pos: number };

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; int: boolean; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

class ExprError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const OPERATORS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '|', '!', '-', '(', ')', '[', ']', ',', '.'] as const;
const GO_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start]!;
  let out = '';
  let i = start + 1;
  while (i < src.length && src[i] !== quote) {
    const c = src[i]!;
    if (quote === '"' && c === '\\') {
      const e = src[i + 1];
      if (e !== undefined && e in GO_ESCAPES) {
        out += GO_ESCAPES[e];
        i += 2;
        continue;
      }
      const hex = e === 'x' ? /^[0-9a-fA-F]{2}/ : e === 'u' ? /^[0-9a-fA-F]{4}/ : e === 'U' ? /^[0-9a-fA-F]{8}/ : undefined;
      const m = hex?.exec(src.slice(i + 2));
      if (!m) throw new ExprError(`invalid escape sequence "\\${e ?? ''}" in string`, i + 1);
      out += String.fromCodePoint(parseInt(m[0], 16));
      i += 2 + m[0].length;
      continue;
    }
    if (quote === '"' && c === '\n') break;
    out += c;
    i++;
  }
  if (src[i] !== quote) throw new ExprError('unterminated string literal', start + 1);
  return { value: out, end: i + 1 };
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i + 1;
    if (c === '"' || c === '`') {
      const s = readString(src, i);
      out.push({ t: 'string', v: s.value, pos });
      i = s.end;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?)/.exec(src.slice(i));
    if (num && !(c === '.' && out.length > 0 && out[out.length - 1]!.t !== 'op')) {
      const text = num[0];
      const int = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text);
      out.push({ t: 'number', v: Number(text), int, pos });
      i += text.length;
      if (/^[A-Za-z_$]/.test(src[i] ?? '')) throw new ExprError(`unexpected "${src[i]!}" after number ${text}`, i + 1);
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (ident) {
      out.push({ t: 'ident', v: ident[0], pos });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character "${c}"`, pos);
    out.push({ t: 'op', v: op, pos });
    i += op.length;
  }
  out.push({ t: 'eof', pos: src.length + 1 });
  return out;
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'eof':
      return 'end of expression';
    case 'string':
      return `string ${JSON.stringify(tok.v)}`;
    case 'number':
      return `number ${tok.v}`;
    default:
      return `"${tok.v}"`;
  }
}

class Parser {
  private i = 0;

  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private expect(v: string, what: string): Token {
    const t = this.peek();
    if (t.t !== 'op' || t.v !== v) throw new ExprError(`expected "${v}" ${what}, found ${describe(t)}`, t.pos);
    this.i++;
    return t;
  }

  parse(): MixerExpr {
    const e = this.binary(0);
    const t = this.peek();
    if (t.t !== 'eof') throw new ExprError(`unexpected ${describe(t)} after a complete expression`, t.pos);
    return e;
  }

  private static readonly LEVELS: ReadonlyArray<readonly BinaryOp[]> = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['|']];

  private binary(level: number): MixerExpr {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      const op = Parser.LEVELS[level]!.find((o) => t.t === 'op' && t.v === o);
      if (!op) return left;
      this.i++;
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right, pos: t.pos };
    }
  }

  private unary(): MixerExpr {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '!' || t.v === '-')) {
      this.i++;
      return { kind: 'unary', op: t.v, operand: this.unary(), pos: t.pos };
    }
    return this.postfix(this.primary());
  }

  private args(): MixerExpr[] {
    const args: MixerExpr[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.binary(0));
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    this.expect(')', 'to close the argument list');
    return args;
  }

  private postfix(expr: MixerExpr): MixerExpr {
    let e = expr;
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op') return e;
      if (t.v === '.') {
        this.i++;
        const name = this.peek();
        if (name.t !== 'ident') throw new ExprError(`expected a name after ".", found ${describe(name)}`, name.pos);
        this.i++;
        if (this.isOp('(')) {
          this.i++;
          e = { kind: 'call', fn: name.v, target: e, args: this.args(), pos: name.pos };
        } else if (e.kind === 'attribute') {
          e = { kind: 'attribute', name: `${e.name}.${name.v}`, pos: e.pos };
        } else {
          throw new ExprError(`".${name.v}" can only follow an attribute name`, t.pos);
        }
      } else if (t.v === '[') {
        this.i++;
        const key = this.binary(0);
        this.expect(']', 'to close the index');
        e = { kind: 'index', target: e, key, pos: t.pos };
      } else if (t.v === '(') {
        if (e.kind !== 'attribute' || e.name.includes('.')) throw new ExprError('only a function name can be called', t.pos);
        this.i++;
        e = { kind: 'call', fn: e.name, args: this.args(), pos: e.pos };
      } else {
        return e;
      }
    }
  }

  private primary(): MixerExpr {
    const t = this.peek();
    this.i++;
    switch (t.t) {
      case 'string':
        return { kind: 'literal', type: 'STRING', value: t.v, pos: t.pos };
      case 'number':
        return { kind: 'literal', type: t.int ? 'INT64' : 'DOUBLE', value: t.v, pos: t.pos };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { kind: 'literal', type: 'BOOL', value: t.v === 'true', pos: t.pos };
        return { kind: 'attribute', name: t.v, pos: t.pos };
      case 'op':
        if (t.v === '(') {
          const e = this.binary(0);
          this.expect(')', 'to close "("');
          return e;
        }
        throw new ExprError(`unexpected ${describe(t)}; expected an attribute, a literal or "("`, t.pos);
      default:
        throw new ExprError('expected an attribute, a literal or "(", but the expression ends here', t.pos);
    }
  }
}

/** Parses one CEXL expression; the error names the position (1-based column) where parsing stopped. */
export function parseMixerExpression(src: string): ParseResult {
  try {
    return { ok: true, expr: new Parser(tokenize(src)).parse() };
  } catch (e) {
    if (e instanceof ExprError) return { ok: false, message: e.message, pos: e.pos };
    throw e;
  }
}
