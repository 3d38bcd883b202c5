/**
 * Envoy's `safe_regex` is RE2 (https://github.com/google/re2/wiki/Syntax) and must match the whole
 * input (Envoy calls `RE2::FullMatch`). JavaScript's RegExp is close but not equal, so a pattern is
 * translated where the meaning is the same and rejected where it is not: the sidecar NACKs a
 * pattern it cannot run exactly as Envoy would, rather than routing differently.
 */

/** A compiled full-match pattern, or why the pattern cannot be used. */
export type Re2CompileResult = { ok: true; regex: RegExp } | { ok: false; error: string };

/** Leading RE2 flag groups JS can express as RegExp flags: `(?i)`, `(?s)`, `(?m)` and combinations. */
const LEADING_FLAGS = /^\(\?([ims]+)\)/;

/** Translates an RE2 pattern to a full-match JS RegExp (`ignoreCase` adds the `i` flag). */
export function compileRe2(pattern: string, ignoreCase = false): Re2CompileResult {
  let flags = ignoreCase ? 'i' : '';
  let body = pattern;
  const lead = LEADING_FLAGS.exec(body);
  if (lead) {
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  const translated = translate(body);
  if (!translated.ok) return translated;
  try {
    return { ok: true, regex: new RegExp(`^(?:${translated.source})$`, flags) };
  } catch (err) {
    return { ok: false, error: `invalid regex ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Translates an RE2 pattern for searching (not anchored, global): what `regex_rewrite` uses, which
 * replaces every match (RE2::GlobalReplace).
 */
export function compileRe2Search(pattern: string): Re2CompileResult {
  const lead = LEADING_FLAGS.exec(pattern);
  let flags = 'g';
  let body = pattern;
  if (lead) {
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  const translated = translate(body);
  if (!translated.ok) return translated;
  try {
    return { ok: true, regex: new RegExp(translated.source, flags) };
  } catch (err) {
    return { ok: false, error: `invalid regex ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * An RE2 substitution (`\1` backreferences, `\0` the whole match, `\\` a backslash) in JavaScript's replacement syntax
 * (`$1`, with `$` escaped as `$$`).
 */
export function re2Substitution(sub: string): string {
  let out = '';
  for (let i = 0; i < sub.length; i++) {
    const c = sub[i]!;
    if (c === '\\' && i + 1 < sub.length) {
      const n = sub[i + 1]!;
      out += n === '0' ? '$&' : /[1-9]/.test(n) ? `$${n}` : n;
      i++;
    } else out += c === '$' ? '$$' : c;
  }
  return out;
}

function translate(body: string): { ok: true; source: string } | { ok: false; error: string } {
  const fail = (what: string) => ({ ok: false as const, error: `regex ${JSON.stringify(body)} uses ${what}, which RE2 and JavaScript do not treat alike` });
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const n = body[i + 1];
      if (n === undefined) return { ok: false, error: `regex ${JSON.stringify(body)} ends with a lone backslash` };
      if (n === 'A' && !inClass) out += '^';
      else if (n === 'z' && !inClass) out += '$';
      else if (/[1-9]/.test(n)) return fail('a backreference');
      else if ('QECpPz'.includes(n)) return fail(`\\${n}`);
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && body[i + 1] === ':') return fail('a POSIX class [[:name:]]');
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a literal in RE2 but closes an empty class in JS: escape it.
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      if (/^<[A-Za-z_]/.test(rest)) {
        out += '(?<';
        i += 2;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest)) return fail('a lookaround');
      return fail('an inline flag group');
    }
    out += c;
  }
  return { ok: true, source: out };
}
