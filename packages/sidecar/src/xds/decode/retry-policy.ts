import type { RetryOn, RetryPolicyModel } from '../../routing/route-model.js';
import type { Problems} from './fields.js';
import { arr, durationMs, isSet, obj, str, uint32Value } from './fields.js';
import { headerMatch } from './route-match.js';

/** Every `retry_on` condition Envoy defines for HTTP and gRPC; the sidecar honours all of them. */
const RETRY_ON: ReadonlySet<string> = new Set<RetryOn>([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** The one host predicate the sidecar implements: retries avoid hosts already tried. */
const PREVIOUS_HOSTS = new Set(['envoy.retry_host_predicates.previous_hosts', 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate']);

/** Envoy's default back-off base interval (25 ms); the maximum defaults to 10 × base. */
const DEFAULT_BASE_MS = 25;

/**
 * Decodes an `envoy.config.route.v3.RetryPolicy`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-retrypolicy).
 * `num_retries` defaults to 1; an unknown `retry_on` token, a host predicate other than
 * previous_hosts, retry priorities and rate-limited back-off are refused.
 */
export function retryPolicy(raw: Record<string, unknown>, at: string, p: Problems): RetryPolicyModel {
  const retryOn = new Set<RetryOn>();
  for (const token of str(raw['retry_on']).split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    if (RETRY_ON.has(token)) retryOn.add(token as RetryOn);
    else p.add(`${at}retry_on`, `retry condition ${token} is not known to the sidecar`);
  }
  const perTryTimeoutMs = durationMs(raw['per_try_timeout']);
  for (const k of ['retry_priority', 'rate_limited_retry_back_off', 'per_try_idle_timeout']) {
    if (isSet(raw[k])) p.add(`${at}${k}`, `retry policy field ${k} is not supported by the sidecar`);
  }
  for (const k of ['retry_options_predicates', 'retriable_request_headers']) {
    if (arr(raw[k]).length > 0) p.add(`${at}${k}`, `retry policy field ${k} is not supported by the sidecar`);
  }
  let previousHosts = false;
  for (const [i, predRaw] of arr(raw['retry_host_predicate']).entries()) {
    const pred = obj(predRaw);
    const id = str(obj(pred['typed_config'])['type_url']) || str(pred['name']);
    if (PREVIOUS_HOSTS.has(id) || PREVIOUS_HOSTS.has(str(pred['name']))) previousHosts = true;
    else p.add(`${at}retry_host_predicate[${i}]`, `retry host predicate ${id || '(unnamed)'} is not supported by the sidecar`);
  }
  const backoffRaw = obj(raw['retry_back_off']);
  let baseMs = DEFAULT_BASE_MS;
  let maxMs = DEFAULT_BASE_MS * 10;
  if (isSet(raw['retry_back_off'])) {
    baseMs = durationMs(backoffRaw['base_interval']) ?? 0;
    if (baseMs <= 0) p.add(`${at}retry_back_off.base_interval`, 'base_interval must be greater than zero');
    maxMs = durationMs(backoffRaw['max_interval']) ?? baseMs * 10;
    if (maxMs < baseMs) p.add(`${at}retry_back_off.max_interval`, 'max_interval must be at least base_interval');
  }
  const codes = new Set(arr(raw['retriable_status_codes']).map((c) => Number(c)));
  const maxAttempts = Number(raw['host_selection_retry_max_attempts'] ?? 1);
  return {
    retryOn,
    numRetries: uint32Value(raw['num_retries']) ?? 1,
    ...(perTryTimeoutMs !== undefined && perTryTimeoutMs > 0 ? { perTryTimeoutMs } : {}),
    retriableStatusCodes: codes,
    retriableHeaders: arr(raw['retriable_headers']).map((h, i) => headerMatch(obj(h), `${at}retriable_headers[${i}].`, p)),
    backoff: { baseMs, maxMs },
    previousHosts,
    hostSelectionMaxAttempts: Number.isFinite(maxAttempts) && maxAttempts > 0 ? maxAttempts : 1,
  };
}
