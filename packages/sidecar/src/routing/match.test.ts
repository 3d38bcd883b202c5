import type { RequestFacts } from './match.js';
import { matchRoute, matchString, pathWithoutQuery } from './match.js';
import type { HeaderMatchModel, RouteMatchModel } from './model.js';
import { compileRe2 } from './re2.js';

const req = (path: string, headers: Record<string, string> = {}, method = 'GET'): RequestFacts => ({ method, path, authority: 'svc', headers });
const regex = (s: string) => {
  const r = compileRe2(s);
  if (!r.ok) throw new Error(r.error);
  return r.regex;
};
const m = (path: RouteMatchModel['path'], extra: Partial<RouteMatchModel> = {}): RouteMatchModel => ({ path, caseSensitive: true, headers: [], ...extra });

describe('matchRoute', () => {
  it.each([
    [m({ kind: 'prefix', value: '/api' }), '/api/v1?x=1', true],
    [m({ kind: 'prefix', value: '/api' }), '/API/v1', false],
    [m({ kind: 'prefix', value: '/api' }, { caseSensitive: false }), '/API/v1', true],
    [m({ kind: 'prefix', value: '' }), '/anything', true],
    [m({ kind: 'path', value: '/exact' }), '/exact?q=1', true],
    [m({ kind: 'path', value: '/exact' }), '/exact/more', false],
    [m({ kind: 'path', value: '/Exact' }, { caseSensitive: false }), '/eXACT', true],
    [m({ kind: 'regex', regex: regex('/item/[0-9]+'), source: '' }), '/item/42?full=1', true],
    [m({ kind: 'regex', regex: regex('/item/[0-9]+'), source: '' }), '/item/42/x', false],
  ])('%j matches %s: %s', (match, path, expected) => {
    expect(matchRoute(match, req(path))).toBe(expected);
  });

  const header = (name: string, match: HeaderMatchModel['match'], invert = false): HeaderMatchModel => ({ name, match, invert });

  it.each([
    [header('end-user', { kind: 'exact', value: 'jason', ignoreCase: false }), { 'end-user': 'jason' }, true],
    [header('end-user', { kind: 'exact', value: 'jason', ignoreCase: false }), { 'end-user': 'Jason' }, false],
    [header('end-user', { kind: 'exact', value: 'jason', ignoreCase: true }), { 'end-user': 'Jason' }, true],
    [header('end-user', { kind: 'exact', value: 'jason', ignoreCase: false }), {}, false],
    [header('x-v', { kind: 'prefix', value: 'v2', ignoreCase: false }), { 'x-v': 'v2-beta' }, true],
    [header('x-v', { kind: 'suffix', value: 'beta', ignoreCase: false }), { 'x-v': 'v2-beta' }, true],
    [header('x-v', { kind: 'contains', value: '2-b', ignoreCase: false }), { 'x-v': 'v2-beta' }, true],
    [header('x-v', { kind: 'regex', regex: regex('v[0-9]'), source: '' }), { 'x-v': 'v7' }, true],
    [header('x-v', { kind: 'regex', regex: regex('v[0-9]'), source: '' }), { 'x-v': 'v77' }, false],
    [header('x-v', { kind: 'present', present: true }), { 'x-v': '' }, true],
    [header('x-v', { kind: 'present', present: false }), {}, true],
    [header('x-v', { kind: 'exact', value: 'a', ignoreCase: false }, true), { 'x-v': 'b' }, true],
    [header('x-v', { kind: 'exact', value: 'a', ignoreCase: false }, true), {}, false],
    [header(':method', { kind: 'exact', value: 'POST', ignoreCase: false }), {}, false],
  ])('header matcher %j on %j: %s', (h, headers, expected) => {
    expect(matchRoute(m({ kind: 'prefix', value: '/' }, { headers: [h] }), req('/', headers))).toBe(expected);
  });

  it('needs every header matcher to hold', () => {
    const both = m({ kind: 'prefix', value: '/' }, { headers: [header('a', { kind: 'present', present: true }), header('b', { kind: 'present', present: true })] });
    expect(matchRoute(both, req('/', { a: '1' }))).toBe(false);
    expect(matchRoute(both, req('/', { a: '1', b: '2' }))).toBe(true);
  });
});

describe('matchString', () => {
  it('treats an absent value as no match except for presence checks', () => {
    expect(matchString({ kind: 'prefix', value: '', ignoreCase: false }, undefined)).toBe(false);
    expect(matchString({ kind: 'present', present: false }, undefined)).toBe(true);
  });
});

describe('pathWithoutQuery', () => {
  it('drops the query and fragment', () => {
    expect(pathWithoutQuery('/a/b?c=d#e')).toBe('/a/b');
    expect(pathWithoutQuery('/a#e')).toBe('/a');
  });
});
