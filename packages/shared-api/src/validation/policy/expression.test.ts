import { checkMixerExpression } from './expression-check.js';
import { parseMixerExpression } from './expression.js';

describe('parseMixerExpression', () => {
  it('parses attributes, string-map indexing, | and comparisons with Go precedence', () => {
    const r = parseMixerExpression('(request.headers["x-user"] | "") == "john" && source.ip != ip("10.0.0.1")');
    expect(r).toMatchObject({
      ok: true,
      expr: {
        kind: 'binary',
        op: '&&',
        left: { kind: 'binary', op: '==', left: { kind: 'binary', op: '|', left: { kind: 'index', target: { kind: 'attribute', name: 'request.headers' } } } },
        right: { kind: 'binary', op: '!=', right: { kind: 'call', fn: 'ip', args: [{ kind: 'literal', value: '10.0.0.1' }] } },
      },
    });
  });

  it('parses method calls on attributes and $out bindings', () => {
    expect(parseMixerExpression('request.path.startsWith("/api")')).toMatchObject({ ok: true, expr: { kind: 'call', fn: 'startsWith', target: { kind: 'attribute', name: 'request.path' } } });
    expect(parseMixerExpression('$out.source_pod_ip | ip("0.0.0.0")')).toMatchObject({ ok: true, expr: { left: { name: '$out.source_pod_ip' } } });
  });

  it.each([
    ['"a\\tb"', 'a\tb'],
    ['`raw\\n`', 'raw\\n'],
    ['"\\u00e9"', 'é'],
  ])('decodes the Go string literal %s', (src, value) => {
    expect(parseMixerExpression(src)).toMatchObject({ ok: true, expr: { kind: 'literal', type: 'STRING', value } });
  });

  it.each([
    ['42', 'INT64', 42],
    ['0x10', 'INT64', 16],
    ['1.5', 'DOUBLE', 1.5],
    ['true', 'BOOL', true],
  ])('parses the literal %s', (src, type, value) => {
    expect(parseMixerExpression(src)).toMatchObject({ ok: true, expr: { kind: 'literal', type, value } });
  });

  it.each([
    ['a ==', 5, 'expected an attribute, a literal or "("'],
    ['a == "b', 6, 'unterminated string literal'],
    ['(a | b', 7, 'expected ")" to close "("'],
    ['f(a, b', 7, 'expected ")" to close the argument list'],
    ['a @ b', 3, 'unexpected character "@"'],
    ['a b', 3, 'unexpected "b" after a complete expression'],
    ['a.', 3, 'expected a name after "."'],
    ['"x".y', 4, 'can only follow an attribute name'],
    ['a.b(1)(2)', 7, 'only a function name can be called'],
    ['"\\q"', 2, 'invalid escape sequence'],
    ['', 1, 'the expression ends here'],
  ])('reports %j failing at position %d', (src, pos, message) => {
    expect(parseMixerExpression(src)).toEqual({ ok: false, pos, message: expect.stringContaining(message) });
  });
});

describe('checkMixerExpression', () => {
  it.each([
    ['context.protocol == "tcp"', 'BOOL'],
    ['destination.labels["app"] | "unknown"', 'STRING'],
    ['match(request.useragent | "-", "kube-probe*") == false', 'BOOL'],
    ['conditional((context.reporter.kind | "inbound") == "outbound", "client", "server")', 'STRING'],
    ['request.time | timestamp("2017-01-01T00:00:00Z")', 'TIMESTAMP'],
    ['custom.attribute', 'UNKNOWN'],
  ])('types %s as %s', (src, type) => {
    expect(checkMixerExpression(src)).toEqual({ ok: true, type });
  });

  it.each([
    ['nosuch(1)', 'unknown function "nosuch"'],
    ['match("a")', 'match takes 2 argument(s), got 1'],
    ['request.path.ip("1.2.3.4")', 'ip is a function, not a method'],
    ['startsWith("a")', 'startsWith is a method'],
    ['request.path["x"]', 'only a string map can be indexed'],
    ['"a" && true', '"&&" needs boolean operands (found a STRING)'],
    ['!request.path', '"!" needs a boolean operand'],
    ['conditional("x", 1, 2)', 'the first argument of conditional must be a boolean'],
  ])('rejects %s', (src, message) => {
    expect(checkMixerExpression(src)).toEqual({ ok: false, problems: [expect.objectContaining({ message: expect.stringContaining(message) })] });
  });
});
