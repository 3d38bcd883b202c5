import type { XdsResourceType } from '@mesh/shared-api';

/**
 * An xDS resource as a plain object with the proto's field names (snake_case), ready for
 * `packAny`. Nested `google.protobuf.Any` fields are written as `{ '@type': <type URL>, ...fields }`
 * (Envoy's JSON form), which protobufjs encodes as an Any.
 */
export type XdsResource = Record<string, unknown>;

/** The resources of one proxy, per type, in a deterministic order. */
export type GeneratedResources = Record<XdsResourceType, XdsResource[]>;

/** The name a resource is known by in its type (CLAs are named by `cluster_name`). */
export function resourceName(type: XdsResourceType, resource: XdsResource): string {
  const name = type === 'ClusterLoadAssignment' ? resource['cluster_name'] : resource['name'];
  return typeof name === 'string' ? name : '';
}

/** Envoy's `ConfigSource` for resources delivered over the same ADS stream. */
export function adsConfigSource(): XdsResource {
  return { ads: {}, resource_api_version: 'V3' };
}

/** An Envoy `SocketAddress`-holding `Address`. */
export function socketAddress(address: string, port: number): XdsResource {
  return { socket_address: { address, port_value: port } };
}
