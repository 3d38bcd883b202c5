import type { MixerExpr } from '@mesh/shared-api';

/**
 * Translates Istio 1.4's expression language (CEXL, parsed by shared-api's parseMixerExpression)
 * into CEL source for @bufbuild/cel. Where the two agree (operators, literals, `a[k]`,
 * `startsWith`/`endsWith`) the text carries over; the differences are rewritten:
 *
 * - attributes: `request.path` → `a["request.path"]` (the bag is one map variable `a`, because
 *   attribute names are dotted and absent attributes must be detectable);
 * - `x | y` ("x if present, else y") → `(<x is present> ? x : y)`, presence being `"name" in a`
 *   for an attribute and `<map present> && key in map` for an index;
 * - `conditional(c, x, y)` → `(c ? x : y)`; `emptyStringMap()` → `{}`;
 * - `"re".matches(s)` (CEXL's receiver is the pattern) → `s.matches("re")`;
 * - `match(s, "glob*")`, `ip("1.2.3.4")`, `timestamp("...")`, `toLower`, `email`, `dnsName`,
 *   `uri` → functions of the Mixer CEL environment (see cel-env.ts).
 */
export class UnsupportedExpressionError extends Error {
  override readonly name = 'UnsupportedExpressionError';
}

/** CEL source of the bag variable. */
export const BAG_VAR = 'a';

/** Functions the CEL environment provides under their CEXL names. */
const ENV_FUNCTIONS = new Set(['match', 'ip', 'timestamp', 'toLower', 'email', 'dnsName', 'uri', 'reverse', 'size', 'string', 'int', 'double']);

function literal(e: Extract<MixerExpr, { kind: 'literal' }>): string {
  switch (e.type) {
    case 'STRING':
      return JSON.stringify(e.value);
    case 'INT64':
      return String(e.value);
    case 'DOUBLE': {
      const s = String(e.value);
      return /[.eE]/.test(s) || !Number.isFinite(e.value as number) ? s : `${s}.0`;
    }
    case 'BOOL':
      return e.value ? 'true' : 'false';
  }
}

/** CEL text for "the value of `e` is present" (undefined: always present as far as we can tell). */
function presence(e: MixerExpr): string | undefined {
  switch (e.kind) {
    case 'attribute':
      return `(${JSON.stringify(e.name)} in ${BAG_VAR})`;
    case 'index': {
      const target = presence(e.target);
      const here = `(${toCel(e.key)} in ${toCel(e.target)})`;
      return target ? `(${target} && ${here})` : here;
    }
    case 'binary':
      if (e.op === '|') {
        const l = presence(e.left);
        const r = presence(e.right);
        return l && r ? `(${l} || ${r})` : undefined;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The CEL source for one CEXL expression; throws {@link UnsupportedExpressionError}. */
export function toCel(e: MixerExpr): string {
  switch (e.kind) {
    case 'literal':
      return literal(e);
    case 'attribute':
      return `${BAG_VAR}[${JSON.stringify(e.name)}]`;
    case 'index':
      return `${toCel(e.target)}[${toCel(e.key)}]`;
    case 'unary':
      return `${e.op}(${toCel(e.operand)})`;
    case 'binary': {
      if (e.op === '|') {
        const p = presence(e.left);
        // A left side we cannot test for presence (a call, a literal) is always taken, as in Mixer.
        return p ? `(${p} ? ${toCel(e.left)} : ${toCel(e.right)})` : toCel(e.left);
      }
      return `(${toCel(e.left)} ${e.op} ${toCel(e.right)})`;
    }
    case 'call':
      return call(e);
  }
}

function call(e: Extract<MixerExpr, { kind: 'call' }>): string {
  const args = e.args.map(toCel);
  if (e.target) {
    const target = toCel(e.target);
    switch (e.fn) {
      case 'matches':
        // CEXL: "pattern".matches(value); CEL: value.matches(pattern).
        if (args.length !== 1) throw new UnsupportedExpressionError('matches() takes one argument');
        return `${args[0]!}.matches(${target})`;
      case 'startsWith':
      case 'endsWith':
      case 'contains':
        return `${target}.${e.fn}(${args.join(', ')})`;
      default:
        throw new UnsupportedExpressionError(`unknown method "${e.fn}"`);
    }
  }
  switch (e.fn) {
    case 'conditional':
      if (args.length !== 3) throw new UnsupportedExpressionError('conditional() takes three arguments');
      return `(${args[0]!} ? ${args[1]!} : ${args[2]!})`;
    case 'emptyStringMap':
      return '{}';
    default:
      if (!ENV_FUNCTIONS.has(e.fn)) throw new UnsupportedExpressionError(`unknown function "${e.fn}"`);
      return `${e.fn}(${args.join(', ')})`;
  }
}
