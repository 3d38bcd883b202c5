import type { HttpFaultInjection } from '../../model/networking-specs.js';
import { parseDuration } from '../duration.js';
import type { XdsResource } from '../resources.js';
import { percentToFraction } from './percent.js';

/** The HTTP fault filter's name and config type (per-route config is keyed by the filter name). */
export const FAULT_FILTER = 'envoy.filters.http.fault';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/**
 * Istio's `fault` as Envoy's HTTPFault, given per route (Istio 1.4's `translateFault`): a fixed
 * delay and/or an HTTP abort, each with its percentage in parts per million. Exponential delays
 * and gRPC/HTTP2 aborts are not translated (1.4 logs and drops them); undefined when nothing is left.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto
 */
export function translateFault(f: HttpFaultInjection): XdsResource | undefined {
  const out: XdsResource = { '@type': FAULT_TYPE };
  const fixed = f.delay?.fixedDelay !== undefined ? parseDuration(f.delay.fixedDelay) : undefined;
  if (f.delay && fixed) out['delay'] = { fixed_delay: fixed, percentage: percentToFraction(f.delay.percentage, f.delay.percent) };
  if (f.abort && f.abort.httpStatus !== undefined) {
    out['abort'] = { http_status: f.abort.httpStatus, percentage: percentToFraction(f.abort.percentage, f.abort.percent) };
  }
  return out['delay'] || out['abort'] ? out : undefined;
}
