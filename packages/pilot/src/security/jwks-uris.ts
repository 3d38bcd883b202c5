import type { ConfigResource } from '@mesh/shared-api';
import type { AuthenticationPolicySpec, RequestAuthenticationSpec } from '../model/security-specs.js';

/**
 * Every `jwksUri` the security config names without an inline `jwks`: RequestAuthentication
 * `jwtRules[]` and the 1.4 Policy / MeshPolicy `origins[].jwt`. Pure.
 */
export function jwksUrisOf(
  requestAuthentications: readonly ConfigResource<RequestAuthenticationSpec>[],
  policies: readonly ConfigResource<AuthenticationPolicySpec>[],
): Set<string> {
  const out = new Set<string>();
  const add = (r: { jwksUri?: unknown; jwks?: unknown } | undefined): void => {
    if (r && typeof r.jwksUri === 'string' && r.jwksUri !== '' && (typeof r.jwks !== 'string' || r.jwks === '')) out.add(r.jwksUri);
  };
  for (const ra of requestAuthentications) for (const r of ra.spec.jwtRules ?? []) add(r);
  for (const p of policies) for (const o of p.spec.origins ?? []) add(o?.jwt);
  return out;
}

/**
 * Istio's stand-in key set for a `jwksUri` that could not be fetched (`CreateFakeJwks`): one RSA
 * "key" whose modulus is the URI itself, so that no token verifies (fail closed) while the rest of
 * the configuration still reaches the proxies.
 */
export function fakeJwks(jwksUri: string): string {
  return `{"keys":[ {"e":"AQAB","kid":"abc","kty":"RSA","n":"${Buffer.from(jwksUri).toString('base64url')}"}]}`;
}
