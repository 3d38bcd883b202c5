import type { RandomSource } from './load-balancing.js';
import type { RequestFacts } from './match.js';
import { matchHeader } from './match.js';
import type { FaultModel } from './route-model.js';

/** What the fault filter does to one request: a delay (flag DI) and/or an abort (flag FI). */
export interface FaultDecision {
  readonly delayMs?: number;
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number };
}

/**
 * Envoy's fault filter (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/fault_filter):
 * when the request matches the fault's headers, a delay is injected for its percentage of
 * requests and an abort for its own (independently drawn) percentage; the delay comes first.
 */
export function decideFault(fault: FaultModel, req: RequestFacts, random: RandomSource): FaultDecision {
  if (!fault.headers.every((h) => matchHeader(h, req))) return {};
  const delay = fault.delay && fault.delay.fraction > 0 && random() < fault.delay.fraction ? fault.delay.ms : undefined;
  const abort = fault.abort && fault.abort.fraction > 0 && random() < fault.abort.fraction ? fault.abort : undefined;
  return {
    ...(delay !== undefined ? { delayMs: delay } : {}),
    ...(abort ? { abort: { ...(abort.httpStatus !== undefined ? { httpStatus: abort.httpStatus } : {}), ...(abort.grpcStatus !== undefined ? { grpcStatus: abort.grpcStatus } : {}) } } : {}),
  };
}
