import type { RetryOn, RetryPolicyModel } from './route-model.js';
import { backoffMs, isRetriable } from './retry.js';

const policy = (on: RetryOn[], extra: Partial<RetryPolicyModel> = {}): RetryPolicyModel => ({
  retryOn: new Set(on),
  numRetries: 1,
  retriableStatusCodes: new Set(),
  retriableHeaders: [],
  backoff: { baseMs: 25, maxMs: 250 },
  previousHosts: false,
  hostSelectionMaxAttempts: 1,
  ...extra,
});
const response = (status: number, headers: Record<string, string> = {}) => ({ kind: 'response' as const, status, headers });

describe('isRetriable', () => {
  it.each([
    [['5xx'], response(500), true],
    [['5xx'], response(404), false],
    [['gateway-error'], response(503), true],
    [['gateway-error'], response(501), false],
    [['retriable-4xx'], response(409), true],
    [['connect-failure'], { kind: 'connect-failure' as const }, true],
    [['connect-failure'], { kind: 'reset' as const }, false],
    [['reset'], { kind: 'connect-failure' as const }, true],
    [['5xx'], { kind: 'per-try-timeout' as const }, true],
    [['refused-stream'], { kind: 'refused-stream' as const }, true],
    [['unavailable'], response(200, { 'grpc-status': '14' }), true],
    [['cancelled'], response(200, { 'grpc-status': '14' }), false],
    [['envoy-ratelimited'], response(429, { 'x-envoy-ratelimited': 'true' }), true],
    [['5xx', 'reset'], { kind: 'overflow' as const }, false],
  ] as const)('retry_on %j, outcome %j → %s', (on, outcome, expected) => {
    expect(isRetriable(policy([...on]), outcome)).toBe(expected);
  });

  it('retries retriable_status_codes and retriable_headers only when asked', () => {
    const p = policy(['retriable-status-codes', 'retriable-headers'], {
      retriableStatusCodes: new Set([418]),
      retriableHeaders: [{ name: 'x-retry', match: { kind: 'exact', value: 'yes', ignoreCase: false }, invert: false }],
    });
    expect(isRetriable(p, response(418))).toBe(true);
    expect(isRetriable(p, response(200, { 'x-retry': 'yes' }))).toBe(true);
    expect(isRetriable(p, response(503))).toBe(false);
  });
});

describe('backoffMs', () => {
  it('is uniform in [0, (2^n − 1) × base), capped by max_interval', () => {
    const p = policy([], { backoff: { baseMs: 25, maxMs: 250 } });
    expect(backoffMs(p, 1, () => 0.999)).toBe(24);
    expect(backoffMs(p, 2, () => 0.999)).toBe(74);
    expect(backoffMs(p, 3, () => 0.5)).toBe(87);
    expect(backoffMs(p, 10, () => 0.999)).toBe(250);
    expect(backoffMs(p, 1, () => 0)).toBe(0);
  });
});
