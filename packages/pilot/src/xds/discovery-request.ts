import { structToJson } from '@mesh/shared-api';
import type { AnyMessage } from '@mesh/shared-api';

/** `envoy.config.core.v3.Node` as proto-loader decodes it (keepCase, defaults, oneofs). */
export interface RawNode {
  id?: string;
  cluster?: string;
  metadata?: unknown;
  user_agent_name?: string;
}

/** `DiscoveryRequest` as proto-loader decodes it. */
export interface RawDiscoveryRequest {
  version_info?: string;
  node?: RawNode | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

/** `DiscoveryResponse` in the form grpc-js encodes. */
export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

/** A DiscoveryRequest with defaults applied and node metadata converted from a Struct to JSON. */
export interface DiscoveryRequest {
  versionInfo: string;
  node: { id: string; cluster: string; metadata: Record<string, unknown>; userAgent: string } | undefined;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail: { code?: number; message?: string } | undefined;
}

/** Normalises a decoded request (proto3 has no absent strings; proto-loader gives null messages). */
export function normalizeRequest(raw: RawDiscoveryRequest): DiscoveryRequest {
  const node = raw.node ?? undefined;
  return {
    versionInfo: raw.version_info ?? '',
    node: node ? { id: node.id ?? '', cluster: node.cluster ?? '', metadata: structToJson(node.metadata) ?? {}, userAgent: node.user_agent_name ?? '' } : undefined,
    resourceNames: raw.resource_names ?? [],
    typeUrl: raw.type_url ?? '',
    responseNonce: raw.response_nonce ?? '',
    errorDetail: raw.error_detail ?? undefined,
  };
}
