import { decideRequest } from './ack-decision.js';
import type { RequestView } from './ack-decision.js';

const sent = { version: 'v2', nonce: '7' };
const req = (r: Partial<RequestView>): RequestView => ({ versionInfo: '', responseNonce: '', resourceNames: [], ...r });

describe('decideRequest', () => {
  it('treats a request without a nonce as a subscription, before or after anything was sent', () => {
    expect(decideRequest(req({}), undefined, [])).toEqual({ kind: 'subscribe' });
    expect(decideRequest(req({ versionInfo: 'v1' }), sent, [])).toEqual({ kind: 'subscribe' });
  });

  it('ACKs when the nonce is the latest sent and there is no error', () => {
    expect(decideRequest(req({ versionInfo: 'v2', responseNonce: '7' }), sent, [])).toEqual({ kind: 'ack', version: 'v2', resend: false });
  });

  it('asks for a resend when an ACK changes the requested names', () => {
    expect(decideRequest(req({ versionInfo: 'v2', responseNonce: '7', resourceNames: ['a'] }), sent, [])).toEqual({ kind: 'ack', version: 'v2', resend: true });
    expect(decideRequest(req({ versionInfo: 'v2', responseNonce: '7', resourceNames: ['b', 'a'] }), sent, ['a', 'b'])).toMatchObject({ resend: false });
  });

  it('NACKs when error_detail is set, naming the rejected and the kept version', () => {
    expect(decideRequest(req({ versionInfo: 'v1', responseNonce: '7', errorDetail: { code: 3, message: 'bad regex' } }), sent, [])).toEqual({
      kind: 'nack',
      rejectedVersion: 'v2',
      keptVersion: 'v1',
      message: 'bad regex',
    });
  });

  it.each([
    ['an older nonce', '6'],
    ['an unknown nonce', 'zzz'],
  ])('ignores a request answering %s (even a NACK)', (_what, nonce) => {
    expect(decideRequest(req({ versionInfo: 'v1', responseNonce: nonce, errorDetail: { message: 'x' } }), sent, [])).toEqual({ kind: 'stale', nonce, latestNonce: '7' });
  });

  it('ignores a nonce when nothing was sent', () => {
    expect(decideRequest(req({ responseNonce: '1' }), undefined, [])).toEqual({ kind: 'stale', nonce: '1', latestNonce: undefined });
  });
});
