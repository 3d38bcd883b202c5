import { AttrDuration } from '@mesh/shared-api';
import type { AttributeMap, AttrValue } from '@mesh/shared-api';
import { compileExpression, evalBool } from './compiled-expression.js';
import type { CompiledExpression, Engine } from './compiled-expression.js';
import { globMatch, parseDurationMs, parseIp } from './functions.js';

function bag(entries: Record<string, AttrValue>): AttributeMap {
  return new Map(Object.entries(entries));
}

function compile(src: string, engine: Engine = 'auto'): CompiledExpression {
  const r = compileExpression(src, engine);
  if (!r.ok) throw new Error(r.error);
  return r.expr;
}

const BAG = bag({
  'destination.labels': { app: 'ratings', version: 'v1' },
  'source.labels': { app: 'reviews', version: 'v3' },
  'request.headers': { 'x-user': 'jason', cookie: 'user=jason; a=b' },
  'response.code': 503n,
  'response.duration': new AttrDuration(12.5),
  'request.time': new Date('2020-01-01T00:00:00Z'),
  'source.ip': Uint8Array.from([10, 0, 0, 7]),
  'destination.service.host': 'ratings.default.svc.cluster.local',
  'context.reporter.kind': 'outbound',
  'request.path': '/api/v1/booking?x=1',
});

// Every case runs on both evaluators: CEL (the reference) and the native fast path must agree.
describe.each<Engine>(['cel', 'auto'])('compileExpression (%s)', (engine) => {
  it.each([
    ['destination.labels["app"] == "ratings" && source.labels["app"]=="reviews" && source.labels["version"] == "v3"', true],
    ['destination.labels["app"] == "ratings" && source.labels["version"] == "v1"', false],
    ['response.code >= 500', true],
    ['response.code >= 500 && response.code < 503', false],
    ['match(destination.service.host, "ratings.*")', true],
    ['match(destination.service.host, "*.svc.cluster.local")', true],
    ['match(request.headers["cookie"], "user=*") == false', false],
    ['"^/api/.*".matches(request.path)', true],
    ['request.path.startsWith("/api")', true],
    ['source.ip == ip("10.0.0.7")', true],
    ['source.ip == ip("10.0.0.8")', false],
    ['(request.headers["x-missing"] | "none") == "none"', true],
    ['!(response.code == 200)', true],
    ['request.time < timestamp("2021-01-01T00:00:00Z")', true],
    ['conditional(response.code == 503, "a", "b") == "a"', true],
    ['toLower("ABC") == "abc"', true],
    ['response.code == 503.0', true],
    ['response.code != 503', false],
    ['request.path == "/api/v1/booking?x=1" || nosuch.attr == "x"', true],
    ['nosuch.attr == "x" || request.path == "/x"', false],
    ['nosuch.attr == "x" && request.path == "/x"', false],
    ['source.labels == destination.labels', false],
    ['context.reporter.kind == "outbound" && !(response.code < 500)', true],
    ['(context.protocol | "http") == "http" && (match((request.useragent | "-"), "kube-probe*") == false)', true],
  ])('evaluates %s to %p', (src, expected) => {
    expect(evalBool(compile(src, engine), BAG)).toBe(expected);
  });

  it('is false, not an exception, when a match reads an absent attribute', () => {
    expect(evalBool(compile('source.principal == "x"', engine), BAG)).toBe(false);
    expect(compile('source.principal == "x"', engine).eval(BAG)).toEqual({ ok: false, error: expect.stringMatching(/source.principal/) });
  });

  it.each([
    ['source.labels["app"] | source.workload.name | "unknown"', 'reviews'],
    ['source.workload.name | "unknown"', 'unknown'],
    ['response.code | 200', 503n],
    ['request.size | 0', 0n],
    ['connection.mtls | false', false],
    ['conditional((context.reporter.kind | "inbound") == "outbound", "client", "server")', 'client'],
    ['"1"', '1'],
    ['1.5', 1.5],
    ['conditional(response.code >= 500, "error", "ok")', 'error'],
    ['request.path.startsWith("/api")', true],
  ])('gives %s the value %p', (src, value) => {
    expect(compile(src, engine).eval(BAG)).toEqual({ ok: true, value });
  });

  it('keeps durations as durations, also for a string default', () => {
    expect(compile('response.duration | "0ms"', engine).eval(BAG)).toEqual({ ok: true, value: new AttrDuration(12.5) });
    expect(compile('response.duration | "0ms"', engine).eval(bag({}))).toEqual({ ok: true, value: new AttrDuration(0) });
    expect(compile('conditional(true, response.duration, "1s")', engine).eval(BAG)).toEqual({ ok: true, value: new AttrDuration(12.5) });
  });
});

describe('compiled expressions', () => {
  it('names the attributes an expression reads, map keys included', () => {
    expect(compile('destination.labels["app"] == "ratings" && source.principal == "x"').referenced).toEqual([
      { name: 'destination.labels', mapKey: 'app' },
      { name: 'source.principal' },
    ]);
    expect(compile('request.headers["a"] | request.headers["b"]').referenced).toEqual([
      { name: 'request.headers', mapKey: 'a' },
      { name: 'request.headers', mapKey: 'b' },
    ]);
  });

  it.each(['a ==', 'nosuch(1)', 'x.frobnicate()'])('refuses %s with a reason', (src) => {
    const r = compileExpression(src);
    expect(r.ok).toBe(false);
  });
});

describe('expression helpers', () => {
  it.each([
    ['abc', 'ab*', true],
    ['abc', '*bc', true],
    ['abc', 'abc', true],
    ['abc', 'b*', false],
  ])('globMatch(%s, %s) is %p', (s, p, r) => expect(globMatch(s, p)).toBe(r));

  it('parses IPs and Go durations', () => {
    expect(parseIp('10.1.2.3')).toEqual(Uint8Array.from([10, 1, 2, 3]));
    expect(parseIp('::1')).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    expect(parseIp('nope')).toBeUndefined();
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('5x')).toBeUndefined();
  });
});
