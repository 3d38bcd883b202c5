/**
 * What a sidecar tells Pilot about its workload in the xDS `node.metadata` (first request of a
 * stream). Keys follow Istio's (`NAMESPACE`, `LABELS`, `SERVICE_ACCOUNT`, `INSTANCE_IPS`,
 * `WORKLOAD_NAME`); `MESH_SERVICE` and `MESH_PORTS` carry what Kubernetes would otherwise know:
 * which service the workload serves and where peers reach it. Pilot registers the workload from it.
 */
export interface WorkloadPort {
  /** Port name, its protocol prefix as in Kubernetes (`http`, `http-web`, `grpc`, `tcp`). */
  name: string;
  /** The service port clients address (`http://shipping-service:80`). */
  port: number;
  /** Where peers connect: the sidecar's inbound listener in local mode, the pod port on Kubernetes. */
  endpointPort: number;
  /** The port the application itself listens on (the inbound cluster's target). */
  targetPort: number;
  protocol: 'HTTP' | 'HTTP2' | 'GRPC' | 'TCP';
}

export interface WorkloadMetadata {
  NAMESPACE: string;
  LABELS: Record<string, string>;
  SERVICE_ACCOUNT: string;
  /** Comma-separated addresses peers use to reach this workload. */
  INSTANCE_IPS: string;
  WORKLOAD_NAME: string;
  /** The service name this workload serves (Kubernetes: the Service selecting it). */
  MESH_SERVICE: string;
  MESH_PORTS: WorkloadPort[];
}

/** Parses node metadata (a google.protobuf.Struct decoded to JSON) into a workload, or an error. */
export function parseWorkloadMetadata(meta: unknown): { ok: true; value: WorkloadMetadata } | { ok: false; error: string } {
  if (typeof meta !== 'object' || meta === null) return { ok: false, error: 'node.metadata is missing' };
  const m = meta as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof m[k] === 'string' && (m[k] as string).length > 0 ? (m[k] as string) : undefined);
  const namespace = str('NAMESPACE');
  if (!namespace) return { ok: false, error: 'node.metadata.NAMESPACE is required' };
  const labels = typeof m['LABELS'] === 'object' && m['LABELS'] !== null ? (m['LABELS'] as Record<string, string>) : {};
  const ports = Array.isArray(m['MESH_PORTS']) ? (m['MESH_PORTS'] as WorkloadPort[]) : [];
  for (const [i, p] of ports.entries()) {
    for (const f of ['port', 'endpointPort', 'targetPort'] as const) {
      if (!Number.isInteger(p[f]) || p[f] < 1 || p[f] > 65535) return { ok: false, error: `node.metadata.MESH_PORTS[${i}].${f} must be a port number` };
    }
  }
  return {
    ok: true,
    value: {
      NAMESPACE: namespace,
      LABELS: labels,
      SERVICE_ACCOUNT: str('SERVICE_ACCOUNT') ?? 'default',
      INSTANCE_IPS: str('INSTANCE_IPS') ?? '127.0.0.1',
      WORKLOAD_NAME: str('WORKLOAD_NAME') ?? '',
      MESH_SERVICE: str('MESH_SERVICE') ?? labels['app'] ?? '',
      MESH_PORTS: ports,
    },
  };
}
