import type { RedirectModel, RouteMatchModel } from './route-model.js';
import { redirectLocation, rewritePath } from './rewrite.js';

const prefix = (value: string): RouteMatchModel => ({ path: { kind: 'prefix', value }, caseSensitive: true, headers: [] });
const redirect = (r: Partial<RedirectModel>): RedirectModel => ({ kind: 'redirect', status: 301, stripQuery: false, ...r });

describe('rewritePath', () => {
  it.each([
    ['/api/orders?x=1', prefix('/api'), { prefixRewrite: '/v2' }, '/v2/orders?x=1'],
    ['/api/orders', prefix('/api/'), { prefixRewrite: '/' }, '/orders'],
    ['/exact?q', { path: { kind: 'path', value: '/exact' }, caseSensitive: true, headers: [] } as RouteMatchModel, { prefixRewrite: '/other' }, '/other?q'],
    ['/a/b/a?a', prefix('/'), { regexRewrite: { regex: /a/g, substitution: 'z' } }, '/z/b/z?a'],
  ])('%s → %s', (path, match, rw, expected) => {
    expect(rewritePath(path, match, rw)).toBe(expected);
  });
});

describe('redirectLocation', () => {
  const req = { scheme: 'http', authority: 'shop:80', path: '/cart?id=1' };
  it.each([
    [{ scheme: 'https' }, 'https://shop/cart?id=1'],
    [{ host: 'other' }, 'http://other/cart?id=1'],
    [{ port: 8080 }, 'http://shop:8080/cart?id=1'],
    [{ path: '/new' }, 'http://shop:80/new?id=1'],
    [{ path: '/new?x=2' }, 'http://shop:80/new?x=2'],
    [{ path: '/new', stripQuery: true }, 'http://shop:80/new'],
    [{ prefixRewrite: '/basket' }, 'http://shop:80/basket?id=1'],
  ] as Array<[Partial<RedirectModel>, string]>)('%j → %s', (r, expected) => {
    expect(redirectLocation(redirect(r), prefix('/cart'), req)).toBe(expected);
  });
});
