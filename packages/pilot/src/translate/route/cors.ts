import type { CorsPolicy } from '../../model/networking-specs.js';
import { parseDuration } from '../duration.js';
import type { XdsResource } from '../resources.js';
import { stringMatcher } from './match.js';

/**
 * Istio's `corsPolicy` as Envoy's route CorsPolicy (1.4's `translateCORSPolicy`): origins as exact
 * string matchers (1.4's `allowOrigin`) or as given (`allowOrigins`), lists joined with commas,
 * `max_age` in seconds, enabled for every request.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-corspolicy
 */
export function translateCors(c: CorsPolicy): XdsResource {
  const origins = [...(c.allowOrigin ?? []).map((o) => ({ exact: o })), ...(c.allowOrigins ?? []).map(stringMatcher).filter((m): m is XdsResource => m !== undefined)];
  const out: XdsResource = { filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } } };
  if (origins.length > 0) out['allow_origin_string_match'] = origins;
  if (c.allowMethods?.length) out['allow_methods'] = c.allowMethods.join(',');
  if (c.allowHeaders?.length) out['allow_headers'] = c.allowHeaders.join(',');
  if (c.exposeHeaders?.length) out['expose_headers'] = c.exposeHeaders.join(',');
  const maxAge = c.maxAge !== undefined ? parseDuration(c.maxAge) : undefined;
  if (maxAge) out['max_age'] = String(maxAge.seconds);
  if (c.allowCredentials !== undefined) out['allow_credentials'] = { value: c.allowCredentials };
  return out;
}
