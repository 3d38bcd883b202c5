import fs from 'node:fs';
import path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { messageNameOf, TypeUrls } from './type-urls.js';

/**
 * Envoy's xDS protos ship inside @grpc/grpc-js-xds (deps/); they are the wire contract with every
 * xDS client, ours or not. These are their include directories.
 */
export function xdsProtoIncludeDirs(): string[] {
  const root = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(root, 'deps', d));
}

/** proto-loader options for gRPC service definitions: field names exactly as in the .proto files. */
export const PROTO_LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;

/** The ADS service definition (`envoy.service.discovery.v3.AggregatedDiscoveryService`). */
export function loadAdsPackageDefinition(): PackageDefinition {
  return loadSync('envoy/service/discovery/v3/ads.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: xdsProtoIncludeDirs() });
}

const RESOURCE_PROTOS = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
];

let cachedRoot: protobuf.Root | undefined;

/** A protobufjs Root holding every xDS resource message the mesh encodes or decodes (loaded once). */
export function xdsRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const includes = xdsProtoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includes) {
      const candidate = path.join(dir, target);
      try {
        fs.accessSync(candidate);
        return candidate;
      } catch {
        // not in this include dir; try the next
      }
    }
    return target;
  };
  root.loadSync(RESOURCE_PROTOS, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** A google.protobuf.Any as the ADS service carries it (proto-loader object form). */
export interface AnyMessage {
  type_url: string;
  value: Buffer;
}

/** Encodes a resource (plain object with proto field names) into an Any of the given type URL. */
export function packAny(typeUrl: string, resource: Record<string, unknown>): AnyMessage {
  const type = xdsRoot().lookupType(messageNameOf(typeUrl));
  // fromObject, not verify(): verify rejects enum names given as strings, which fromObject accepts.
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(resource)).finish()) };
}

/** Decodes an Any into a plain object (proto field names, enums as strings, longs as strings). */
export function unpackAny(any: AnyMessage): Record<string, unknown> {
  const type = xdsRoot().lookupType(messageNameOf(any.type_url));
  return type.toObject(type.decode(any.value), { enums: String, longs: String, defaults: false, oneofs: true }) as Record<string, unknown>;
}

export { TypeUrls };
