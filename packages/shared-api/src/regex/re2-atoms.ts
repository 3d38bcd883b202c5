/** Character-level scanners of RE2 syntax: escapes, `\p` classes and bracket classes. Each throws {@link Re2Error}. */
import { Re2Error } from './re2-error.js';
import { POSIX_CLASSES, UNICODE_CLASSES } from './re2-tables.js';

const isAsciiAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** `\pL`, `\p{Greek}`, `\P{^Lu}` at `start`: the offset after it. */
export function scanUnicodeClass(s: string, start: number): number {
  let name: string;
  let pos: number;
  let seq: string;
  if (s[start + 2] === '{') {
    const end = s.indexOf('}', start);
    if (end < 0) throw new Re2Error(start, s.slice(start), 'invalid character class range: missing } after \\p{');
    seq = s.slice(start, end + 1);
    name = s.slice(start + 3, end);
    pos = end + 1;
  } else {
    const ch = s[start + 2];
    if (ch === undefined) throw new Re2Error(start, s.slice(start), 'invalid character class range: \\p needs a class name');
    seq = s.slice(start, start + 3);
    name = ch;
    pos = start + 3;
  }
  if (name.startsWith('^')) name = name.slice(1);
  if (!UNICODE_CLASSES.has(name)) {
    throw new Re2Error(start, seq, `invalid character class range: unknown Unicode class "${name}" (use a general category such as L or Lu, a script such as Greek, or Any)`);
  }
  return pos;
}

/** One escaped character at `start` (`\n`, `\x41`, `\x{1F600}`, `\101`, `\.`): the offset after it; anything else throws. */
export function scanEscape(s: string, start: number): number {
  const c = s[start + 1]!;
  let i = start + 2;
  const fail = (reason?: string): never => {
    const expr = s.slice(start, Math.max(i, start + 2));
    throw new Re2Error(start, expr, reason ?? 'invalid escape sequence');
  };
  if (c >= '1' && c <= '7' && !(s[i] !== undefined && s[i]! >= '0' && s[i]! <= '7')) {
    fail('backreferences are not supported by RE2');
  }
  if (c >= '0' && c <= '7') {
    for (let n = 1; n < 3 && s[i] !== undefined && s[i]! >= '0' && s[i]! <= '7'; n++) i++;
    return i;
  }
  if (c === 'x') {
    if (s[i] === '{') {
      i++;
      let value = 0;
      let digits = 0;
      while (isHex(s[i])) {
        value = value * 16 + parseInt(s[i]!, 16);
        if (value > 0x10ffff) fail('invalid escape sequence: code point above U+10FFFF');
        i++;
        digits++;
      }
      if (s[i] !== '}' || digits === 0) fail();
      return i + 1;
    }
    if (!isHex(s[i]) || !isHex(s[i + 1])) {
      i = Math.min(i + 2, s.length);
      fail();
    }
    return i + 2;
  }
  if ('afnrtv'.includes(c)) return i;
  if (c === 'k' || c === 'g') fail('named backreferences are not supported by RE2');
  // Escaped punctuation is always itself; escaped letters and digits must be known escapes.
  if (c.charCodeAt(0) < 0x80 && !isAsciiAlnum(c)) return i;
  if (c.charCodeAt(0) >= 0x80) i += c.codePointAt(0)! > 0xffff ? 1 : 0;
  return fail();
}

/** A bracket class `[...]` at `start` (ranges, POSIX classes, `\d`-style and `\p` classes): the offset after it. */
export function scanClass(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === '^') i++;
  let first = true;
  const missing = (): never => {
    throw new Re2Error(start, s.slice(start), 'missing closing ]');
  };
  while (first || s[i] !== ']') {
    if (i >= s.length) missing();
    first = false;
    // POSIX [:name:] and [:^name:].
    if (s[i] === '[' && s[i + 1] === ':') {
      const end = s.indexOf(':]', i + 2);
      if (end >= 0) {
        const raw = s.slice(i + 2, end);
        const name = raw.startsWith('^') ? raw.slice(1) : raw;
        if (!POSIX_CLASSES.has(name)) {
          throw new Re2Error(i, s.slice(i, end + 2), `invalid character class range: unknown POSIX class [:${raw}:]`);
        }
        i = end + 2;
        continue;
      }
    }
    if (s[i] === '\\' && (s[i + 1] === 'p' || s[i + 1] === 'P')) {
      i = scanUnicodeClass(s, i);
      continue;
    }
    if (s[i] === '\\' && s[i + 1] !== undefined && 'dDsSwW'.includes(s[i + 1]!)) {
      i += 2;
      continue;
    }
    const rangeStart = i;
    const lo = classChar(s, i, missing);
    i = lo.next;
    // `[a-]` means a or -, so a `-` right before `]` is a literal.
    if (s[i] === '-' && s[i + 1] !== undefined && s[i + 1] !== ']') {
      const hi = classChar(s, i + 1, missing);
      i = hi.next;
      if (hi.code < lo.code) {
        throw new Re2Error(rangeStart, s.slice(rangeStart, i), 'invalid character class range: the end is before the start');
      }
    }
  }
  return i + 1;
}

/** One character of a class (possibly escaped); returns its code point and the next offset. */
function classChar(s: string, i: number, missing: () => never): { code: number; next: number } {
  if (i >= s.length) missing();
  if (s[i] === '\\') {
    if (i + 1 >= s.length) missing();
    const next = scanEscape(s, i);
    return { code: escapeValue(s.slice(i, next)), next };
  }
  const code = s.codePointAt(i)!;
  return { code, next: i + (code > 0xffff ? 2 : 1) };
}

/** The code point an escape denotes (the escape is already known to be valid). */
function escapeValue(esc: string): number {
  const c = esc[1]!;
  if (c === 'x') return parseInt(esc.slice(2).replace(/[{}]/g, ''), 16);
  if (c >= '0' && c <= '7') return parseInt(esc.slice(1), 8);
  const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  return simple[c] ?? esc.codePointAt(1)!;
}
