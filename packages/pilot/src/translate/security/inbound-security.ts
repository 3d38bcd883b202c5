import type { Proxy, ProxyPort } from '../../model/proxy.js';
import { isHttpProtocol } from '../../model/service.js';
import type { MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { authnFilter, inboundMtlsMode, jwtFilter, jwtRulesFor } from './authn.js';
import { authorizationFilters } from './authz-filters.js';

/** mTLS a sidecar's inbound port runs with (Istio's MutualTLSMode). */
export type InboundMtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What security translation decides for one inbound port of a sidecar. */
export interface InboundSecurity {
  mtls: InboundMtlsMode;
  /** HTTP filters before the trailing CORS/fault/router: jwt_authn, istio_authn, rbac. */
  httpFilters: XdsResource[];
  /** Network filters before tcp_proxy on TCP ports: the network RBAC filter. */
  networkFilters: XdsResource[];
}

/** No authentication or authorization: plaintext, no filters. */
export const NO_INBOUND_SECURITY: InboundSecurity = Object.freeze({ mtls: 'DISABLE', httpFilters: [], networkFilters: [] });

/**
 * The security of each inbound port of a sidecar: its mTLS mode, then — HTTP — jwt_authn (when
 * JWT rules apply), istio_authn (when anything authenticates or authorizes) and the RBAC filters
 * of the AuthorizationPolicies selecting the workload (Istio 1.4's filter order); TCP ports get
 * the network RBAC filter.
 */
export function inboundSecurity(index: MeshIndex, proxy: Proxy): (port: ProxyPort) => InboundSecurity {
  // v1beta1 AuthorizationPolicy, else 1.4's v1alpha1 ServiceRole/Binding (authz-filters.ts).
  const httpRbac = authorizationFilters(index, proxy, false);
  const tcpRbac = authorizationFilters(index, proxy, true);
  return (port) => {
    const mtls = inboundMtlsMode(index, proxy, port);
    if (!isHttpProtocol(port.protocol)) return { mtls, httpFilters: [], networkFilters: tcpRbac };
    const { rules, legacy, policy } = jwtRulesFor(index, proxy, port);
    const httpFilters: XdsResource[] = [];
    const jwt = jwtFilter(rules, legacy, index.state.jwks);
    if (jwt) httpFilters.push(jwt);
    if (jwt || mtls !== 'DISABLE' || httpRbac.length > 0) httpFilters.push(authnFilter(mtls, rules, policy, legacy));
    httpFilters.push(...httpRbac);
    return { mtls, httpFilters, networkFilters: [] };
  };
}
