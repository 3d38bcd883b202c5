import type { ServiceEndpoint } from '../../model/service.js';
import type { MeshIndex } from '../mesh-index.js';
import { endpointMtlsMode } from './authn.js';

/**
 * The endpoints of a service port as clients see them for auto mTLS (Istio 1.8+'s EDS mTLS
 * check): an endpoint keeps `tlsMode: istio` — the `envoy.transport_socket_match` metadata that
 * selects ISTIO_MUTUAL — only when its sidecar holds a certificate (the registry's word) and its
 * server's effective mode on that port, decided exactly as its inbound listener is, accepts
 * mTLS (STRICT or PERMISSIVE). Every other endpoint is reached in plaintext, so a client never
 * sends mTLS to a DISABLE port nor plaintext to a certified STRICT one.
 */
export function advertiseEndpoints(index: MeshIndex, hostname: string, servicePort: number, endpoints: readonly ServiceEndpoint[]): readonly ServiceEndpoint[] {
  if (!endpoints.some((ep) => ep.tlsMode === 'istio')) return endpoints;
  const svc = index.service(hostname);
  const port = svc?.ports.find((p) => p.port === servicePort);
  // A port the index does not know (should not happen) keeps the registry's word.
  if (!svc || !port) return endpoints;
  return endpoints.map((ep) => {
    if (ep.tlsMode !== 'istio' || endpointMtlsMode(index, svc, port, ep) !== 'DISABLE') return ep;
    const { tlsMode: _dropped, ...plaintext } = ep;
    return plaintext;
  });
}
