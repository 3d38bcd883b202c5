import fs from 'node:fs';
import path from 'node:path';
import { messageNameOf, xdsProtoIncludeDirs } from '@mesh/shared-api';
import type { AnyMessage } from '@mesh/shared-api';
import protobuf from 'protobufjs';

/**
 * Extension messages the sidecar reads from `typed_config` / `typed_per_filter_config` /
 * `typed_extension_protocol_options` Anys. shared-api's root holds the four resource types; these
 * live in a root of the sidecar's own, loaded on first use from the same Envoy protos.
 */
const EXTENSION_PROTOS = [
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  // Security filters (decoded by http-security-filters.ts).
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'udpa/type/v1/typed_struct.proto',
];

/** Type URLs of the extension messages the sidecar acts on. */
export const ExtensionTypeUrls = {
  HTTPFault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  Cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  CorsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  RouteCorsPolicy: 'type.googleapis.com/envoy.config.route.v3.CorsPolicy',
  FilterConfig: 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  TcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  TlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  HttpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  DownstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  UpstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  HttpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  FileAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
} as const;

let cached: protobuf.Root | undefined;

function extensionRoot(): protobuf.Root {
  if (cached) return cached;
  const includes = xdsProtoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includes) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(EXTENSION_PROTOS, { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

/** The result of opening a typed Any: its fields, or why it could not be read. */
export type TypedResult = { ok: true; typeUrl: string; value: Record<string, unknown> } | { ok: false; typeUrl: string; error: string };

/** Reads an Any as decoded by protobufjs (`{ type_url, value }`) into a plain object with proto field names. */
export function unpackTyped(raw: unknown): TypedResult {
  const any = (typeof raw === 'object' && raw !== null ? raw : {}) as { type_url?: unknown; value?: unknown };
  const typeUrl = typeof any.type_url === 'string' ? any.type_url : '';
  let type: protobuf.Type;
  try {
    type = extensionRoot().lookupType(messageNameOf(typeUrl));
  } catch {
    return { ok: false, typeUrl, error: `unknown type ${typeUrl || '(none)'}` };
  }
  try {
    const bytes = any.value instanceof Uint8Array ? any.value : new Uint8Array();
    return { ok: true, typeUrl, value: type.toObject(type.decode(bytes), { enums: String, longs: String, defaults: false, oneofs: true }) as Record<string, unknown> };
  } catch (err) {
    return { ok: false, typeUrl, error: `cannot decode ${typeUrl}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Encodes an extension message (plain object with proto field names) as an Any (tests, fixtures). */
export function packTyped(typeUrl: string, value: Record<string, unknown>): AnyMessage {
  const type = extensionRoot().lookupType(messageNameOf(typeUrl));
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(value)).finish()) };
}
