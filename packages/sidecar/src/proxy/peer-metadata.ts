import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { WorkloadMetadata } from '@mesh/shared-api';
import { parseOutboundClusterName } from '@mesh/shared-api';
import type { PeerLabels } from './observer.js';

/**
 * Metadata exchange between sidecars, after Istio's (`x-envoy-peer-metadata[-id]`): the client
 * sidecar sends its workload in a request header and the server sidecar answers with its own in a
 * response header, so both sides can label telemetry with source and destination workload and
 * version. Istio encodes a protobuf Struct; this mesh sends base64 JSON under its own header
 * names so a real Envoy never misreads it. Both headers are removed before the app sees them.
 * Telemetry only: nothing authorises on it (mTLS identities do that).
 */
export const PEER_METADATA_HEADER = 'x-mesh-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-mesh-peer-metadata-id';

/** The header value describing this workload. */
export function encodePeerMetadata(meta: WorkloadMetadata): string {
  const body = { NAMESPACE: meta.NAMESPACE, LABELS: meta.LABELS, WORKLOAD_NAME: meta.WORKLOAD_NAME, MESH_SERVICE: meta.MESH_SERVICE, SERVICE_ACCOUNT: meta.SERVICE_ACCOUNT };
  return Buffer.from(JSON.stringify(body)).toString('base64');
}

/** Telemetry labels for a workload's metadata. */
export function peerLabels(meta: Pick<WorkloadMetadata, 'NAMESPACE' | 'LABELS' | 'WORKLOAD_NAME' | 'MESH_SERVICE' | 'SERVICE_ACCOUNT'>): PeerLabels {
  return prune({
    service: meta.MESH_SERVICE || undefined,
    namespace: meta.NAMESPACE || undefined,
    workload: meta.WORKLOAD_NAME || undefined,
    app: meta.LABELS?.['app'],
    version: meta.LABELS?.['version'],
    serviceAccount: meta.SERVICE_ACCOUNT || undefined,
  });
}

/** Reads (and removes) a peer's metadata from headers; undefined when absent or unreadable. */
export function takePeerMetadata(headers: IncomingHttpHeaders | OutgoingHttpHeaders): PeerLabels | undefined {
  const raw = headers[PEER_METADATA_HEADER];
  delete headers[PEER_METADATA_HEADER];
  delete headers[PEER_METADATA_ID_HEADER];
  if (typeof raw !== 'string') return undefined;
  try {
    const m = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, unknown>;
    if (typeof m !== 'object' || m === null) return undefined;
    const s = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : '');
    const labels = typeof m['LABELS'] === 'object' && m['LABELS'] !== null ? (m['LABELS'] as Record<string, string>) : {};
    return peerLabels({ NAMESPACE: s('NAMESPACE'), LABELS: labels, WORKLOAD_NAME: s('WORKLOAD_NAME'), MESH_SERVICE: s('MESH_SERVICE'), SERVICE_ACCOUNT: s('SERVICE_ACCOUNT') });
  } catch {
    return undefined;
  }
}

const clusterLabels = new Map<string, PeerLabels>();

/** What the cluster name tells about a destination when its sidecar sent no metadata (cached per name). */
export function labelsFromCluster(cluster: string | undefined): PeerLabels {
  if (!cluster) return {};
  let labels = clusterLabels.get(cluster);
  if (!labels) {
    const parsed = parseOutboundClusterName(cluster);
    const m = parsed ? /^([^.]+)\.([^.]+)\.svc\./.exec(parsed.host) : null;
    labels = Object.freeze(!parsed ? {} : m ? { service: m[1], namespace: m[2] } : { service: parsed.host });
    // Bounded: cluster names come from configuration, but a long-lived process sees many pushes.
    if (clusterLabels.size > 10_000) clusterLabels.clear();
    clusterLabels.set(cluster, labels);
  }
  return labels;
}

function prune(l: Record<string, string | undefined>): PeerLabels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
