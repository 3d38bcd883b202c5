import { compileRe2 } from './re2.js';

function compiled(pattern: string, ignoreCase = false): RegExp {
  const r = compileRe2(pattern, ignoreCase);
  if (!r.ok) throw new Error(r.error);
  return r.regex;
}

describe('compileRe2', () => {
  it.each([
    ['/api/v[0-9]+/.*', '/api/v12/x', true],
    ['/api/v[0-9]+/.*', '/x/api/v1/y', false],
    ['/api/v[0-9]+', '/api/v1/extra', false],
    ['(?P<ver>v[12])/.*', 'v2/a', true],
    ['(?i)/Shop.*', '/SHOP/cart', true],
    ['\\A/a\\z', '/a', true],
    ['[]a]+', ']a]', true],
    ['a|b', 'b', true],
  ])('matches %s against %s as RE2 FullMatch would (%s)', (pattern, input, expected) => {
    expect(compiled(pattern).test(input)).toBe(expected);
  });

  it('adds case-insensitivity when asked', () => {
    expect(compiled('abc', true).test('ABC')).toBe(true);
    expect(compiled('abc').test('ABC')).toBe(false);
  });

  it.each([
    ['(', /invalid regex/],
    ['[a-', /invalid regex/],
    ['a(?=b)', /lookaround/],
    ['(a)\\1', /backreference/],
    ['\\pL+', /\\p/],
    ['[[:alpha:]]+', /POSIX class/],
    ['a(?i:b)', /inline flag group/],
    ['abc\\', /lone backslash/],
  ])('refuses %s', (pattern, reason) => {
    const r = compileRe2(pattern);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
});
