import type { HeaderFormatContext, HeaderMap } from './header-mutation.js';
import { applyHeaderMutations, formatHeaderValue } from './header-mutation.js';

const ctx: HeaderFormatContext = {
  downstreamRemoteAddress: '10.1.2.3',
  downstreamRemotePort: 5555,
  downstreamLocalAddress: '127.0.0.1',
  downstreamLocalPort: 15001,
  protocol: 'HTTP/1.1',
  startTime: new Date('2020-01-01T00:00:00Z'),
  hostname: 'node-1',
  requestId: 'rid',
  requestHeaders: { 'x-user': 'jason' },
};

describe('header mutations', () => {
  it('formats substitutions', () => {
    expect(formatHeaderValue(['ip=', { command: 'DOWNSTREAM_REMOTE_ADDRESS' }, ' u=', { command: 'REQ', arg: 'X-User' }], ctx)).toBe('ip=10.1.2.3:5555 u=jason');
    expect(formatHeaderValue([{ command: 'HOSTNAME' }], ctx)).toBe('node-1');
  });

  it('removes first, then adds by append action, level by level', () => {
    const h: HeaderMap = { a: '1', b: '2', c: '3' };
    applyHeaderMutations(
      h,
      [
        {
          remove: ['c'],
          add: [
            { name: 'a', value: ['x'], action: 'append', keepEmpty: false },
            { name: 'b', value: ['y'], action: 'add-if-absent', keepEmpty: false },
            { name: 'c', value: ['z'], action: 'overwrite-if-exists', keepEmpty: false },
            { name: 'd', value: [''], action: 'overwrite', keepEmpty: false },
            { name: 'e', value: [''], action: 'overwrite', keepEmpty: true },
          ],
        },
        { remove: [], add: [{ name: 'b', value: ['outer'], action: 'overwrite', keepEmpty: false }] },
      ],
      ctx,
    );
    expect(h).toEqual({ a: ['1', 'x'], b: 'outer', e: '' });
  });
});
