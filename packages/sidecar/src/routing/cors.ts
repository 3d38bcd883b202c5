import type { RandomSource } from './load-balancing.js';
import { matchString } from './match.js';
import type { CorsPolicyModel } from './route-model.js';

/**
 * Envoy's CORS filter (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter):
 * a request with an allowed `Origin` is a CORS request; an `OPTIONS` one that names
 * `Access-Control-Request-Method` is a preflight and is answered by the proxy; an actual request
 * is forwarded and its response gets the allow-origin (and credentials / expose) headers.
 * Requests without an Origin, or with one the policy does not allow, pass untouched.
 */
export type CorsDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'preflight'; readonly headers: Record<string, string> }
  | { readonly kind: 'actual'; readonly responseHeaders: Record<string, string> };

/** True when the policy allows the origin (a matcher that accepts `*` allows every origin). */
export function originAllowed(policy: CorsPolicyModel, origin: string): boolean {
  return policy.allowOrigins.some((m) => matchString(m, origin) || matchString(m, '*'));
}

/** The CORS filter's decision for one request. */
export function decideCors(policy: CorsPolicyModel | undefined, method: string, headers: Readonly<Record<string, string | undefined>>, random: RandomSource): CorsDecision {
  if (!policy || policy.enabledFraction <= 0 || (policy.enabledFraction < 1 && random() >= policy.enabledFraction)) return { kind: 'none' };
  const origin = headers['origin'];
  if (!origin || !originAllowed(policy, origin)) return { kind: 'none' };
  if (method === 'OPTIONS' && headers['access-control-request-method']) {
    const h: Record<string, string> = { 'access-control-allow-origin': origin };
    if (policy.allowCredentials) h['access-control-allow-credentials'] = 'true';
    if (policy.allowMethods) h['access-control-allow-methods'] = policy.allowMethods;
    if (policy.allowHeaders) h['access-control-allow-headers'] = policy.allowHeaders;
    if (policy.maxAge) h['access-control-max-age'] = policy.maxAge;
    if (policy.allowPrivateNetworkAccess && headers['access-control-request-private-network'] === 'true') h['access-control-allow-private-network'] = 'true';
    return { kind: 'preflight', headers: h };
  }
  const r: Record<string, string> = { 'access-control-allow-origin': origin };
  if (policy.allowCredentials) r['access-control-allow-credentials'] = 'true';
  if (policy.exposeHeaders) r['access-control-expose-headers'] = policy.exposeHeaders;
  return { kind: 'actual', responseHeaders: r };
}
