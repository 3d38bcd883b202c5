import { serviceFqdn } from '@mesh/shared-api';
import { portProtocol } from '../../model/service.js';
import type { Service, ServiceEndpoint, ServicePort } from '../../model/service.js';
import { TLS_MODE_LABEL } from '../../model/service-entry.js';

/** The parts of Kubernetes objects the registry reads (as the API serves them). */
export interface KubeMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  resourceVersion?: string;
}

/** core/v1 Service. */
export interface KubeService {
  metadata?: KubeMeta;
  spec?: { clusterIP?: string; type?: string; externalName?: string; ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[] };
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface KubeEndpointSlice {
  metadata?: KubeMeta;
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null }; targetRef?: { kind?: string; name?: string; namespace?: string }; zone?: string; nodeName?: string }[];
  ports?: { name?: string | null; port?: number | null; protocol?: string }[] | null;
}

/** core/v1 Pod. */
export interface KubePod {
  metadata?: KubeMeta;
  spec?: { serviceAccountName?: string };
  status?: { podIP?: string };
}

/** The label an EndpointSlice names its Service with. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Istio's annotation restricting a Service's visibility (`.`, `*`, namespaces). */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

function timestamp(t: string | Date | undefined): string | undefined {
  if (t === undefined) return undefined;
  return t instanceof Date ? t.toISOString() : t;
}

/**
 * Istio's `kube.ConvertService`: `<name>.<ns>.svc.<suffix>`, the cluster IP as VIP (a headless
 * service has none and resolves by original destination), ExternalName services by DNS, port
 * protocols from the port name prefix (`http-`, `grpc-`, …, `appProtocol` first) or UDP, and
 * `networking.istio.io/exportTo`.
 */
export function convertService(svc: KubeService, domainSuffix: string): Service | undefined {
  const name = svc.metadata?.name;
  const namespace = svc.metadata?.namespace ?? 'default';
  if (!name) return undefined;
  const ports: ServicePort[] = (svc.spec?.ports ?? [])
    .map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol === 'UDP' ? ('UDP' as const) : portProtocol(p.appProtocol, p.name ?? '') }))
    .sort((a, b) => a.port - b.port);
  const headless = svc.spec?.clusterIP === 'None';
  const external = svc.spec?.type === 'ExternalName';
  const exportTo = svc.metadata?.annotations?.[EXPORT_TO_ANNOTATION];
  const vip = svc.spec?.clusterIP && !headless ? svc.spec.clusterIP : undefined;
  return {
    hostname: serviceFqdn(name, namespace, domainSuffix),
    name,
    namespace,
    ports,
    ...(vip ? { addresses: [vip] } : {}),
    resolution: external ? 'DNSLB' : headless ? 'Passthrough' : 'ClientSideLB',
    ...(external ? { meshExternal: true } : {}),
    ...(exportTo ? { exportTo: exportTo.split(',').map((s) => s.trim()).filter((s) => s) } : {}),
    registry: 'Kubernetes',
    ...(timestamp(svc.metadata?.creationTimestamp) ? { createdAt: timestamp(svc.metadata?.creationTimestamp)! } : {}),
  };
}

/**
 * The endpoints an EndpointSlice gives its Service (Istio's EndpointSlice controller): ready
 * addresses × the slice ports matched to service ports by name (a single unnamed port matches the
 * single service port); labels and service account from the Pod the endpoint targets; `zone` as
 * locality; the Pod's `security.istio.io/tlsMode` label.
 */
export function convertEndpointSlice(slice: KubeEndpointSlice, svc: Service, pods: ReadonlyMap<string, KubePod>): ServiceEndpoint[] {
  if (slice.addressType && slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const out: ServiceEndpoint[] = [];
  const ports = slice.ports ?? [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    const ref = ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? `${ep.targetRef.namespace ?? svc.namespace}/${ep.targetRef.name}` : undefined;
    const pod = ref ? pods.get(ref) : undefined;
    const labels = pod?.metadata?.labels ?? {};
    for (const address of ep.addresses ?? []) {
      for (const sp of ports) {
        const servicePort = svc.ports.find((p) => p.name === (sp.name ?? '')) ?? (svc.ports.length === 1 && ports.length === 1 ? svc.ports[0] : undefined);
        if (!servicePort || !sp.port) continue;
        out.push({
          hostname: svc.hostname,
          servicePort: servicePort.port,
          address,
          port: sp.port,
          labels,
          workloadId: ref ?? address,
          ...(pod?.spec?.serviceAccountName ? { serviceAccount: pod.spec.serviceAccountName } : {}),
          ...(ep.zone ? { locality: `/${ep.zone}` } : {}),
          ...(labels[TLS_MODE_LABEL] ? { tlsMode: labels[TLS_MODE_LABEL] } : {}),
        });
      }
    }
  }
  return out;
}

/** The cache key of a namespaced object. */
export function objectKey(o: { metadata?: KubeMeta }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}
