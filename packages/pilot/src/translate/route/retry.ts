import type { HttpRetry } from '../../model/networking-specs.js';
import { parseDuration } from '../duration.js';
import type { XdsResource } from '../resources.js';

/** Envoy's retry host predicate that prefers hosts not tried yet. */
const PREVIOUS_HOSTS = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
};

/** The retry policy Istio 1.4 puts on every outbound route without `retries` (retry.DefaultPolicy). */
export function defaultRetryPolicy(): XdsResource {
  return {
    retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    num_retries: { value: 2 },
    retry_host_predicate: [PREVIOUS_HOSTS],
    host_selection_retry_max_attempts: 5,
    retriable_status_codes: [503],
  };
}

/**
 * Istio 1.4's `retry.ConvertPolicy`: no `retries` → the default policy; `attempts: 0` → none; else
 * the default with `num_retries`, `retry_on` (numbers in it become `retriable_status_codes`) and
 * `per_try_timeout` overridden.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-retrypolicy
 */
export function retryPolicy(r: HttpRetry | undefined): XdsResource | undefined {
  if (!r) return defaultRetryPolicy();
  if (!r.attempts || r.attempts <= 0) return undefined;
  const out = defaultRetryPolicy();
  out['num_retries'] = { value: r.attempts };
  if (r.retryOn) {
    const parts = r.retryOn.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    const codes = parts.filter(isStatusCode).map(Number);
    out['retry_on'] = parts.filter((p) => !isStatusCode(p)).join(',');
    out['retriable_status_codes'] = codes;
  }
  const perTry = r.perTryTimeout !== undefined ? parseDuration(r.perTryTimeout) : undefined;
  if (perTry) out['per_try_timeout'] = perTry;
  return out;
}

/** Go's `http.StatusText(i) != ""`: a known HTTP status code. */
function isStatusCode(p: string): boolean {
  return /^\d{3}$/.test(p) && Number(p) >= 100 && Number(p) <= 511;
}
