import { matchesFields, parseFieldSelector } from './field-selector.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';
import type { LabelSelector } from './label-selector.js';

function labels(input: string): LabelSelector {
  const r = parseLabelSelector(input);
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.value;
}

describe('parseLabelSelector', () => {
  it.each([
    ['', []],
    ['app', [{ key: 'app', op: 'exists' }]],
    ['!app', [{ key: 'app', op: 'notexists' }]],
    ['app=a', [{ key: 'app', op: 'eq', value: 'a' }]],
    ['app == a', [{ key: 'app', op: 'eq', value: 'a' }]],
    ['app!=a', [{ key: 'app', op: 'neq', value: 'a' }]],
    ['app=', [{ key: 'app', op: 'eq', value: '' }]],
    ['env in (prod, staging),tier notin (db)', [{ key: 'env', op: 'in', values: ['prod', 'staging'] }, { key: 'tier', op: 'notin', values: ['db'] }]],
    ['example.com/team=a,x>3,y<10', [{ key: 'example.com/team', op: 'eq', value: 'a' }, { key: 'x', op: 'gt', value: 3 }, { key: 'y', op: 'lt', value: 10 }]],
  ])('parses %p', (input, expected) => {
    expect(parseLabelSelector(input)).toEqual({ ok: true, value: expected, warnings: [] });
  });

  it.each([
    ['app in ()', 'empty'],
    ['app in (a', 'expected "," or ")"'],
    ['app in a', 'expected "("'],
    ['=a', 'expected a label key'],
    ['app=a=b', 'expected "," or the end'],
    ['app,', 'expected a requirement'],
    ['!app=a', 'expected "," or the end'],
    ['Bad Key!', 'expected'],
    ['-bad=a', 'unable to parse requirement'],
    ['a=' + 'x'.repeat(64), 'at most 63 characters'],
    ['UPPER.example.com/a=b', 'prefix'],
    ['x>a', 'expected an integer'],
    ['app foo', 'expected one of'],
    ['x'.repeat(5000), 'longer than'],
  ])('refuses %p with a message naming the problem', (input, message) => {
    const r = parseLabelSelector(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toContain(message);
  });

  it.each([
    ['app=a', { app: 'a' }, true],
    ['app=a', { app: 'b' }, false],
    ['app!=a', {}, true],
    ['app!=a', { app: 'a' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: '' }, false],
    ['env in (a,b)', { env: 'b' }, true],
    ['env in (a,b)', {}, false],
    ['env notin (a,b)', {}, true],
    ['env notin (a,b)', { env: 'a' }, false],
    ['x>3', { x: '4' }, true],
    ['x>3', { x: 'four' }, false],
    ['x<3', { x: '-1' }, true],
    ['a=1,b=2', { a: '1', b: '2' }, true],
    ['a=1,b=2', { a: '1' }, false],
    ['', undefined, true],
  ])('%p matches %j: %p', (input, l, expected) => {
    expect(matchesLabels(labels(input), l)).toBe(expected);
  });
});

describe('parseFieldSelector', () => {
  it('parses equality and inequality terms on name and namespace', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace!=b,metadata.name==c')).toEqual({
      ok: true,
      warnings: [],
      value: [
        { field: 'metadata.name', op: 'eq', value: 'a' },
        { field: 'metadata.namespace', op: 'neq', value: 'b' },
        { field: 'metadata.name', op: 'eq', value: 'c' },
      ],
    });
    expect(parseFieldSelector('metadata.name=a\\,b')).toMatchObject({ ok: true, value: [{ value: 'a,b' }] });
  });

  it.each([
    ['spec.host=a', 'is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['metadata.name', 'expected field=value'],
    ['metadata.name=a\\x', 'invalid escape'],
  ])('refuses %p', (input, message) => {
    const r = parseFieldSelector(input);
    expect(!r.ok && r.errors[0]!.message).toContain(message);
  });

  it('matches names and namespaces', () => {
    const r = parseFieldSelector('metadata.name=a,metadata.namespace!=x');
    if (!r.ok) throw new Error('parse');
    expect(matchesFields(r.value, { name: 'a', namespace: 'y' })).toBe(true);
    expect(matchesFields(r.value, { name: 'a', namespace: 'x' })).toBe(false);
    expect(matchesFields(r.value, { name: 'b', namespace: 'y' })).toBe(false);
  });
});
