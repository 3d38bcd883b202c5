import type { AttrValue } from '@mesh/shared-api';
import { CheckCache, keyOf } from './check-cache.js';
import type { Reference } from './check-cache.js';

const bag = (e: Record<string, AttrValue>) => new Map(Object.entries(e));
const REFS: Reference[] = [
  { name: 'source.labels', mapKey: 'app', condition: 'EXACT' },
  { name: 'source.principal', condition: 'ABSENCE' },
];

describe('CheckCache', () => {
  it('keys a bag by the referenced values only', () => {
    const a = keyOf(REFS, bag({ 'source.labels': { app: 'x', version: 'v1' }, 'request.id': '1' }));
    const b = keyOf(REFS, bag({ 'source.labels': { app: 'x', version: 'v2' }, 'request.id': '2' }));
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(keyOf(REFS, bag({ 'source.labels': { app: 'y' } }))).not.toBe(a);
    // ABSENCE: a bag that has the attribute does not fit this reference set.
    expect(keyOf(REFS, bag({ 'source.labels': { app: 'x' }, 'source.principal': 'p' }))).toBeUndefined();
  });

  it('serves an answer for its valid duration and use count only', () => {
    const c = new CheckCache<string>();
    const req = bag({ 'source.labels': { app: 'x' } });
    c.put(req, REFS, 'deny', 1000, 3, 0);
    expect(c.get(bag({ 'source.labels': { app: 'x' }, other: 'z' }), 10)).toBe('deny');
    expect(c.get(req, 20)).toBe('deny');
    expect(c.get(req, 30)).toBeUndefined(); // 3 uses: the Check itself and two cached
    c.put(req, REFS, 'allow', 1000, 100, 0);
    expect(c.get(req, 999)).toBe('allow');
    expect(c.get(req, 1000)).toBeUndefined();
    expect(c.get(bag({ 'source.labels': { app: 'other' } }), 1)).toBeUndefined();
  });

  it('stays within its bound', () => {
    const c = new CheckCache<number>(10);
    for (let i = 0; i < 50; i++) c.put(bag({ 'source.labels': { app: `a${i}` } }), REFS, i, 10_000, 10, 0);
    expect(c.entries).toBe(10);
    expect(c.get(bag({ 'source.labels': { app: 'a49' } }), 1)).toBe(49);
    expect(c.get(bag({ 'source.labels': { app: 'a0' } }), 1)).toBeUndefined();
  });
});
