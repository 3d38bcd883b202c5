import { ATTRIBUTE_VOCABULARY } from '../../mixer/attribute-vocabulary.js';
import type { MixerExpr } from './expression.js';
import { parseMixerExpression } from './expression.js';

/** Value types an expression can have (Mixer's ValueType names); UNKNOWN when it depends on an attribute manifest. */
export type ExprType =
  | 'STRING'
  | 'INT64'
  | 'DOUBLE'
  | 'BOOL'
  | 'TIMESTAMP'
  | 'DURATION'
  | 'IP_ADDRESS'
  | 'EMAIL_ADDRESS'
  | 'DNS_NAME'
  | 'URI'
  | 'STRING_MAP'
  | 'UNKNOWN';

interface FnSig {
  readonly args: number;
  /** Return type; `arg1` means "the type of the second argument" (conditional). */
  readonly returns: ExprType | 'arg1';
  /** Called as a method on a string (`request.path.startsWith("/a")`). */
  readonly method?: boolean;
}

/** Istio 1.4 Mixer's functions (mixer/pkg/lang externs plus conditional). */
const FUNCTIONS: Readonly<Record<string, FnSig>> = {
  ip: { args: 1, returns: 'IP_ADDRESS' },
  ip_equal: { args: 2, returns: 'BOOL' },
  timestamp: { args: 1, returns: 'TIMESTAMP' },
  timestamp_equal: { args: 2, returns: 'BOOL' },
  timestamp_lt: { args: 2, returns: 'BOOL' },
  timestamp_le: { args: 2, returns: 'BOOL' },
  timestamp_gt: { args: 2, returns: 'BOOL' },
  timestamp_ge: { args: 2, returns: 'BOOL' },
  dnsName: { args: 1, returns: 'DNS_NAME' },
  dnsName_equal: { args: 2, returns: 'BOOL' },
  email: { args: 1, returns: 'EMAIL_ADDRESS' },
  email_equal: { args: 2, returns: 'BOOL' },
  uri: { args: 1, returns: 'URI' },
  uri_equal: { args: 2, returns: 'BOOL' },
  match: { args: 2, returns: 'BOOL' },
  conditional: { args: 3, returns: 'arg1' },
  conditionalString: { args: 3, returns: 'STRING' },
  toLower: { args: 1, returns: 'STRING' },
  emptyStringMap: { args: 0, returns: 'STRING_MAP' },
  matches: { args: 1, returns: 'BOOL', method: true },
  startsWith: { args: 1, returns: 'BOOL', method: true },
  endsWith: { args: 1, returns: 'BOOL', method: true },
};

const WIRE_TO_TYPE: Readonly<Record<string, ExprType>> = {
  string: 'STRING',
  int64: 'INT64',
  double: 'DOUBLE',
  bool: 'BOOL',
  bytes: 'IP_ADDRESS',
  timestamp: 'TIMESTAMP',
  duration: 'DURATION',
  string_map: 'STRING_MAP',
};

/** A problem found in an expression, at a 1-based column. */
export interface ExprProblem {
  readonly message: string;
  readonly pos: number;
}

class Checker {
  readonly problems: ExprProblem[] = [];

  typeOf(e: MixerExpr): ExprType {
    switch (e.kind) {
      case 'literal':
        return e.type;
      case 'attribute': {
        const wire = (ATTRIBUTE_VOCABULARY as Readonly<Record<string, string>>)[e.name];
        return wire ? (WIRE_TO_TYPE[wire] ?? 'UNKNOWN') : 'UNKNOWN';
      }
      case 'index': {
        const target = this.typeOf(e.target);
        this.typeOf(e.key);
        if (target !== 'STRING_MAP' && target !== 'UNKNOWN') this.problems.push({ message: `only a string map can be indexed with [...], not a ${target}`, pos: e.pos });
        return target === 'STRING_MAP' ? 'STRING' : 'UNKNOWN';
      }
      case 'unary': {
        const t = this.typeOf(e.operand);
        if (e.op === '!') {
          this.expect(t, 'BOOL', '"!" needs a boolean operand', e.pos);
          return 'BOOL';
        }
        return t;
      }
      case 'binary':
        return this.binary(e);
      case 'call':
        return this.call(e);
    }
  }

  private expect(t: ExprType, want: ExprType, message: string, pos: number): void {
    if (t !== want && t !== 'UNKNOWN') this.problems.push({ message: `${message} (found a ${t})`, pos });
  }

  private binary(e: Extract<MixerExpr, { kind: 'binary' }>): ExprType {
    const l = this.typeOf(e.left);
    const r = this.typeOf(e.right);
    switch (e.op) {
      case '||':
      case '&&':
        this.expect(l, 'BOOL', `"${e.op}" needs boolean operands`, e.pos);
        this.expect(r, 'BOOL', `"${e.op}" needs boolean operands`, e.pos);
        return 'BOOL';
      case '|':
        return l !== 'UNKNOWN' ? l : r;
      default:
        return 'BOOL';
    }
  }

  private call(e: Extract<MixerExpr, { kind: 'call' }>): ExprType {
    const sig = FUNCTIONS[e.fn];
    const argTypes = e.args.map((a) => this.typeOf(a));
    if (e.target) this.typeOf(e.target);
    if (!sig) {
      this.problems.push({ message: `unknown function "${e.fn}"; Mixer's functions are ${Object.keys(FUNCTIONS).join(', ')}`, pos: e.pos });
      return 'UNKNOWN';
    }
    if (sig.method && !e.target) this.problems.push({ message: `${e.fn} is a method: write <string>.${e.fn}(...)`, pos: e.pos });
    if (!sig.method && e.target) this.problems.push({ message: `${e.fn} is a function, not a method: write ${e.fn}(...)`, pos: e.pos });
    if (e.args.length !== sig.args) this.problems.push({ message: `${e.fn} takes ${sig.args} argument(s), got ${e.args.length}`, pos: e.pos });
    if (e.fn === 'conditional') this.expect(argTypes[0] ?? 'UNKNOWN', 'BOOL', 'the first argument of conditional must be a boolean', e.pos);
    return sig.returns === 'arg1' ? (argTypes[1] ?? 'UNKNOWN') : sig.returns;
  }
}

/** The outcome of checking one expression: its inferred type, or the problems (syntax first). */
export type ExprCheck = { ok: true; type: ExprType } | { ok: false; problems: ExprProblem[] };

/**
 * Parses and checks a CEXL expression: syntax, known functions and their arity, boolean operands,
 * indexing only string maps. Attribute types come from the standard vocabulary; other attributes
 * (declared by attribute manifests) are UNKNOWN and accepted.
 */
export function checkMixerExpression(src: string): ExprCheck {
  const parsed = parseMixerExpression(src);
  if (!parsed.ok) return { ok: false, problems: [{ message: parsed.message, pos: parsed.pos }] };
  const checker = new Checker();
  const type = checker.typeOf(parsed.expr);
  return checker.problems.length > 0 ? { ok: false, problems: checker.problems } : { ok: true, type };
}

/** An expression problem in words a person can act on: `cannot parse "a ==": expected ... at position 4`. */
export function describeExprProblem(src: string, p: ExprProblem): string {
  return `invalid expression ${JSON.stringify(src)}: ${p.message} at position ${p.pos}`;
}
