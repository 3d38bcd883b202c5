import type { RandomSource } from './load-balancing.js';
import { matchHeader } from './match.js';
import type { RetryOn, RetryPolicyModel } from './route-model.js';

/**
 * Retry decisions as Envoy's router makes them
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on).
 */

/** How one upstream attempt ended, as far as retrying is concerned. */
export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string | undefined>> }
  /** The connection could not be made (or timed out connecting). */
  | { readonly kind: 'connect-failure' }
  /** The connection was reset or closed before response headers arrived. */
  | { readonly kind: 'reset' }
  /** HTTP/2 REFUSED_STREAM: the server did not process the request. */
  | { readonly kind: 'refused-stream' }
  | { readonly kind: 'per-try-timeout' }
  /** A circuit breaker refused the request: never retried. */
  | { readonly kind: 'overflow' };

/** gRPC status codes named by gRPC retry conditions. */
const GRPC_CODES: Partial<Record<RetryOn, string>> = { cancelled: '1', 'deadline-exceeded': '4', 'resource-exhausted': '8', internal: '13', unavailable: '14' };

/** True when the policy retries this outcome (retry budget and limits are checked elsewhere). */
export function isRetriable(policy: RetryPolicyModel, outcome: AttemptOutcome): boolean {
  const on = policy.retryOn;
  switch (outcome.kind) {
    case 'overflow':
      return false;
    case 'connect-failure':
      return on.has('connect-failure') || on.has('reset') || on.has('reset-before-request') || on.has('5xx') || on.has('gateway-error');
    case 'refused-stream':
      return on.has('refused-stream') || on.has('reset') || on.has('5xx') || on.has('gateway-error');
    case 'reset':
    case 'per-try-timeout':
      return on.has('reset') || on.has('5xx') || on.has('gateway-error');
    case 'response':
      return retriableResponse(policy, outcome.status, outcome.headers);
  }
}

function retriableResponse(policy: RetryPolicyModel, status: number, headers: Readonly<Record<string, string | undefined>>): boolean {
  const on = policy.retryOn;
  if (on.has('5xx') && status >= 500) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  if (on.has('retriable-status-codes') && policy.retriableStatusCodes.has(status)) return true;
  if (on.has('envoy-ratelimited') && headers['x-envoy-ratelimited'] !== undefined) return true;
  if (on.has('retriable-headers') && policy.retriableHeaders.length > 0) {
    const facts = { method: '', path: '', authority: '', headers };
    if (policy.retriableHeaders.some((h) => matchHeader(h, facts))) return true;
  }
  // gRPC conditions read grpc-status from the response headers (a trailers-only response).
  const grpc = headers['grpc-status'];
  if (grpc !== undefined) {
    for (const [cond, code] of Object.entries(GRPC_CODES)) if (on.has(cond as RetryOn) && grpc === code) return true;
  }
  return false;
}

/**
 * Envoy's fully jittered exponential back-off before retry number `retry` (1-based): uniform in
 * [0, (2^retry − 1) × base), capped at the maximum interval.
 */
export function backoffMs(policy: RetryPolicyModel, retry: number, random: RandomSource): number {
  const { baseMs, maxMs } = policy.backoff;
  const ceiling = baseMs * (2 ** Math.min(retry, 30) - 1);
  return Math.min(Math.floor(random() * ceiling), maxMs);
}
