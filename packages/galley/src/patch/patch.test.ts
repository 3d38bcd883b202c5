import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch', () => {
  // The examples of RFC 7386, appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('merges %j with %j into %j', (target, patch, expected) => {
    const before = JSON.stringify(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(JSON.stringify(target)).toBe(before);
  });

  it('never changes a prototype through a __proto__ member', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('applyJsonPatch', () => {
  const doc = { spec: { hosts: ['a', 'b'], http: [{ route: [] }] }, metadata: { labels: { 'a/b': 'x', 'c~d': 'y' } } };

  it.each([
    [[{ op: 'add', path: '/spec/hosts/-', value: 'c' }], { hosts: ['a', 'b', 'c'] }],
    [[{ op: 'add', path: '/spec/hosts/0', value: 'z' }], { hosts: ['z', 'a', 'b'] }],
    [[{ op: 'remove', path: '/spec/hosts/0' }], { hosts: ['b'] }],
    [[{ op: 'replace', path: '/spec/hosts/1', value: 'q' }], { hosts: ['a', 'q'] }],
    [[{ op: 'move', from: '/spec/hosts/0', path: '/spec/hosts/1' }], { hosts: ['b', 'a'] }],
    [[{ op: 'copy', from: '/spec/hosts', path: '/spec/gateways' }], { hosts: ['a', 'b'], gateways: ['a', 'b'] }],
    [[{ op: 'test', path: '/spec/hosts', value: ['a', 'b'] }, { op: 'remove', path: '/spec/http' }], { hosts: ['a', 'b'] }],
  ])('applies %j', (patch, spec) => {
    const r = applyJsonPatch(doc, patch);
    expect(r.ok && (r.value as typeof doc).spec).toMatchObject(spec);
    expect(doc.spec.hosts).toEqual(['a', 'b']);
  });

  it('escapes ~1 and ~0 in pointers (RFC 6901)', () => {
    const r = applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/labels/a~1b', value: '1' }, { op: 'remove', path: '/metadata/labels/c~0d' }]);
    expect(r.ok && (r.value as typeof doc).metadata.labels).toEqual({ 'a/b': '1' });
  });

  it.each([
    [[{ op: 'add', path: '/spec' }], 'malformed', 'needs "value"'],
    ['not-an-array', 'malformed', 'must be an array'],
    [[{ op: 'frobnicate', path: '/a' }], 'malformed', 'must be one of'],
    [[{ op: 'add', path: 'spec', value: 1 }], 'malformed', 'JSON Pointer'],
    [[{ op: 'move', path: '/a' }], 'malformed', 'needs "from"'],
    [[{ op: 'test', path: '/spec/hosts/0', value: 'b' }], 'failed', 'test failed'],
    [[{ op: 'remove', path: '/spec/nothing' }], 'failed', 'does not exist'],
    [[{ op: 'add', path: '/spec/missing/x', value: 1 }], 'failed', 'does not exist'],
    [[{ op: 'add', path: '/spec/hosts/9', value: 1 }], 'failed', 'out of range'],
    [[{ op: 'add', path: '/spec/hosts/01', value: 1 }], 'failed', 'not an array index'],
    [[{ op: 'move', from: '/spec', path: '/spec/x' }], 'failed', 'own child'],
    [[{ op: 'replace', path: '/spec/nope', value: 1 }], 'failed', 'does not exist'],
  ])('refuses %j as %s', (patch, kind, message) => {
    const r = applyJsonPatch(doc, patch);
    expect(r).toMatchObject({ ok: false, kind, message: expect.stringContaining(message) });
  });

  it('is all-or-nothing: a failing operation leaves the target untouched', () => {
    const r = applyJsonPatch(doc, [{ op: 'add', path: '/spec/x', value: 1 }, { op: 'test', path: '/spec/x', value: 2 }]);
    expect(r.ok).toBe(false);
    expect(doc.spec).not.toHaveProperty('x');
  });
});
