import { parseRequestTarget } from './request-target.js';

describe('parseRequestTarget', () => {
  it.each([
    ['/a?b=1', 'shipping:8080', { authority: 'shipping:8080', path: '/a?b=1', port: 8080, absoluteForm: false }],
    ['/a', 'shipping', { authority: 'shipping', path: '/a', port: 80, absoluteForm: false }],
    ['http://shipping:9090/x?y', 'ignored', { authority: 'shipping:9090', path: '/x?y', port: 9090, absoluteForm: true }],
    ['http://shipping', undefined, { authority: 'shipping', path: '/', port: 80, absoluteForm: true }],
    ['http://user@shipping?q', undefined, { authority: 'shipping', path: '/?q', port: 80, absoluteForm: true }],
    ['https://secure/x', undefined, { authority: 'secure', path: '/x', port: 443, absoluteForm: true }],
    ['/v6', '[::1]:81', { authority: '[::1]:81', path: '/v6', port: 81, absoluteForm: false }],
  ])('reads %s with Host %s', (url, host, expected) => {
    expect(parseRequestTarget(url, host)).toEqual({ ok: true, ...expected });
  });

  it('fails without a Host header in origin form', () => {
    expect(parseRequestTarget('/a', undefined).ok).toBe(false);
  });
});
