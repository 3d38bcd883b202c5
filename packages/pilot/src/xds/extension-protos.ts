import { xdsRoot } from '@mesh/shared-api';

/**
 * Envoy extension protos whose messages Pilot nests in `typed_config` Anys (filters, transport
 * sockets, retry predicates). protobufjs only encodes an Any whose `@type` it knows — an unknown
 * one silently becomes an empty Any — so they are loaded into the shared xDS root before encoding.
 */
const EXTENSION_PROTOS = [
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'udpa/type/v1/typed_struct.proto',
];

let loaded = false;

/** Loads the extension protos into `xdsRoot()` once (idempotent). */
export function ensureExtensionProtos(): void {
  if (loaded) return;
  const root = xdsRoot();
  root.loadSync(EXTENSION_PROTOS, { keepCase: true });
  root.resolveAll();
  loaded = true;
}
