import { checkRe2Syntax, describeRe2Error } from './re2-syntax.js';

describe('checkRe2Syntax', () => {
  it.each([
    '',
    'abc',
    '^/api/v[0-9]+/.*$',
    '(?P<version>v[12])/(?P<rest>.*)',
    '(?<name>x)',
    '(?i)hello',
    '(?i:a|b)c',
    '(?s-m:.)',
    '(?U)a+',
    '(?)',
    '\\pL\\PN\\p{Greek}\\p{^Lu}\\P{Any}',
    '[[:alpha:]][[:^digit:]]',
    '[\\pL\\d_-]+',
    '\\Qa.b*c\\E+',
    '\\Qunterminated',
    'a\\z',
    '\\Aa\\b\\B',
    '\\C',
    'a{2}',
    'a{2,}',
    'a{2,5}?',
    'a{1000}',
    '(a{10}){100}',
    'a{,5}',
    'a{01}',
    'x{',
    '[]a]',
    '[^]a]',
    '[a-]',
    '[-a]',
    '\\x41\\x{1F600}\\101\\0',
    '\\.\\*\\_\\-',
    '\\n\\t\\r\\f\\v\\a',
    '^*',
    'a*?',
    'a+?b??',
    '😀+',
    '.*\\.(jpg|png)$',
    'a||b',
    '()',
  ])('accepts %p', (pattern) => {
    expect(checkRe2Syntax(pattern)).toEqual({ ok: true });
  });

  it.each([
    ['(?=a)', 0, 'lookahead'],
    ['a(?!b)', 1, 'lookahead'],
    ['(?<=a)b', 0, 'lookbehind'],
    ['(?<!a)b', 0, 'lookbehind'],
    ['(a)\\1', 3, 'backreferences'],
    ['(?P<n>a)\\k<n>', 8, 'named backreferences'],
    ['a++', 1, 'nested repetition'],
    ['a*+', 1, 'nested repetition'],
    ['a**', 1, 'nested repetition'],
    ['a?*', 1, 'nested repetition'],
    ['a{2}{3}', 1, 'nested repetition'],
    ['a*??', 1, 'nested repetition'],
    ['*a', 0, 'missing argument'],
    ['(*)', 1, 'missing argument'],
    ['a|*', 2, 'missing argument'],
    ['a{1001}', 1, 'invalid repeat count'],
    ['a{2,1}', 1, 'invalid repeat count'],
    ['a{1,1001}', 1, 'invalid repeat count'],
    ['(a{100}){100}', 8, 'nested repetitions exceed 1000'],
    ['(abc', 0, 'missing closing )'],
    ['a(b(c)', 1, 'missing closing )'],
    ['abc)', 3, 'unexpected )'],
    ['[abc', 0, 'missing closing ]'],
    ['[]', 0, 'missing closing ]'],
    ['[z-a]', 1, 'invalid character class range'],
    ['[[:foo:]]', 1, 'unknown POSIX class'],
    ['\\p{Klingon}', 0, 'unknown Unicode class'],
    ['\\pX', 0, 'unknown Unicode class'],
    ['\\p{L', 0, 'missing }'],
    ['abc\\', 3, 'trailing backslash'],
    ['\\q', 0, 'invalid escape sequence'],
    ['\\Z', 0, 'invalid escape sequence'],
    ['\\xZZ', 0, 'invalid escape sequence'],
    ['\\x{}', 0, 'invalid escape sequence'],
    ['[\\b]', 1, 'invalid escape sequence'],
    ['(?x)a', 0, 'unsupported Perl syntax'],
    ['(?#comment)', 0, 'unsupported Perl syntax'],
    ['(?P=n)', 0, 'unsupported Perl syntax'],
    ['(?i-)a', 0, 'unsupported Perl syntax'],
    ['(?P<>a)', 0, 'invalid named capture'],
    ['(?P<a-b>x)', 0, 'invalid named capture'],
    ['(?P<n>a)(?P<n>b)', 8, 'duplicate capture group name'],
    ['(?P<n', 0, 'invalid named capture'],
    ['a\uD800b', 1, 'invalid UTF-8'],
  ])('rejects %p at position %i (%s)', (pattern, position, reason) => {
    const r = checkRe2Syntax(pattern);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.position).toBe(position);
    expect(r.error.reason).toContain(reason);
  });

  it('rejects nesting deeper than 1000 groups', () => {
    const r = checkRe2Syntax('('.repeat(1001) + ')'.repeat(1001));
    expect(r).toMatchObject({ ok: false, error: { reason: 'expression nests too deeply' } });
  });

  it('describes an error with its position and the offending text', () => {
    const r = checkRe2Syntax('a++');
    expect(!r.ok && describeRe2Error(r.error)).toBe(
      'invalid nested repetition operator: RE2 does not allow stacked or possessive repetition at position 1 (`++`)',
    );
  });
});
