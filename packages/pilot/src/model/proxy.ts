import { serviceFqdn } from '@mesh/shared-api';
import type { WorkloadMetadata } from '@mesh/shared-api';
import type { ServicePort } from './service.js';
import { portProtocol } from './service.js';

/** One port of the proxy's own workload: the service port, where peers connect, and the app's port. */
export interface ProxyPort extends ServicePort {
  endpointPort: number;
  targetPort: number;
}

/**
 * What kind of xDS client a proxy is: a `sidecar`, a gateway (`router`, Istio's node type for
 * ingress/egress gateways), or a proxyless gRPC client (`grpc`).
 */
export type ProxyType = 'sidecar' | 'router' | 'grpc';

/** The proxy a set of resources is generated for: who it is and what it serves. */
export interface Proxy {
  /** xDS `node.id` (`sidecar~<ip>~<workload>.<ns>~<ns>.svc.cluster.local`). */
  id: string;
  type: ProxyType;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  workloadName: string;
  serviceAccount: string;
  /** The first of INSTANCE_IPS: where peers reach this workload. */
  ip: string;
  /** The FQDN of the service this workload serves, or undefined when it serves none. */
  serviceHostname: string | undefined;
  /** The short service name (MESH_SERVICE), '' when none. */
  serviceName: string;
  ports: ProxyPort[];
}

/** The node type in an Istio node id (`<type>~<ip>~<id>~<domain>`); gRPC clients are told apart by their user agent. */
export function proxyTypeOf(nodeId: string, userAgent = ''): ProxyType {
  if (nodeId.startsWith('router~')) return 'router';
  if (nodeId.startsWith('sidecar~')) return 'sidecar';
  return /^grpc/i.test(userAgent) ? 'grpc' : 'sidecar';
}

/** Builds the proxy model from its node id and parsed node metadata. */
export function proxyFromMetadata(id: string, meta: WorkloadMetadata, domainSuffix: string, type: ProxyType = proxyTypeOf(id)): Proxy {
  const ip = meta.INSTANCE_IPS.split(',')[0]?.trim() || '127.0.0.1';
  const seen = new Set<number>();
  // A port listed twice would yield duplicate clusters and listeners; the first declaration wins.
  const ports = meta.MESH_PORTS.filter((p) => !seen.has(p.port) && seen.add(p.port))
    .map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: portProtocol(p.protocol, p.name ?? ''),
      endpointPort: p.endpointPort,
      targetPort: p.targetPort,
    }))
    .sort((a, b) => a.port - b.port);
  return {
    id,
    type,
    namespace: meta.NAMESPACE,
    labels: { ...meta.LABELS },
    workloadName: meta.WORKLOAD_NAME,
    serviceAccount: meta.SERVICE_ACCOUNT,
    ip,
    serviceName: meta.MESH_SERVICE,
    serviceHostname: meta.MESH_SERVICE ? serviceFqdn(meta.MESH_SERVICE, meta.NAMESPACE, domainSuffix) : undefined,
    ports,
  };
}
