import type { RegistryService, RegistryServicePort, RegistryWorkload } from '@mesh/shared-api';
import { serviceHostname } from './hosts.js';
import { arr, labelMap, obj, str } from './spec-access.js';
import type { InventorySnapshot } from './snapshot.js';

const PROTOCOL_PREFIXES = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'mongo', 'redis', 'mysql', 'tcp', 'tls', 'udp'];

/** True for the Kubernetes kinds that feed the inventory (core/v1 Service and Pod). */
export function isInventoryKind(doc: { apiVersion?: unknown; kind?: unknown }): boolean {
  return doc.apiVersion === 'v1' && (doc.kind === 'Service' || doc.kind === 'Pod');
}

/**
 * Maps Kubernetes Services and Pods (as in `istioctl analyze` input files, or from an API-server
 * watch) to inventory entries: a Service becomes a service with its ports and selector, a Pod a
 * workload with its labels. Other documents are ignored. Pure.
 */
export function inventoryFromKubernetes(docs: readonly unknown[], domainSuffix: string, defaultNamespace = 'default'): InventorySnapshot {
  const services: RegistryService[] = [];
  const workloads: RegistryWorkload[] = [];
  for (const d of docs) {
    const doc = obj(d);
    if (!doc || !isInventoryKind(doc)) continue;
    const meta = obj(doc['metadata']) ?? {};
    const name = str(meta['name']);
    if (!name) continue;
    const namespace = str(meta['namespace']) ?? defaultNamespace;
    const spec = obj(doc['spec']) ?? {};
    if (doc['kind'] === 'Service') {
      const ports = arr(spec['ports']).flatMap((p): RegistryServicePort[] => {
        const port = obj(p);
        if (!port || typeof port['port'] !== 'number') return [];
        const portName = str(port['name']) ?? '';
        const target = port['targetPort'];
        return [{ name: portName, port: port['port'], protocol: protocolOf(portName, str(port['appProtocol'])), ...(typeof target === 'number' ? { targetPort: target } : {}) }];
      });
      const selector = labelMap(spec['selector']);
      services.push({ hostname: serviceHostname(name, namespace, domainSuffix), name, namespace, ports, ...(selector ? { selector } : {}), source: 'kubernetes' });
    } else {
      const ip = str(obj(doc['status'])?.['podIP']);
      workloads.push({
        name,
        namespace,
        labels: labelMap(meta['labels']) ?? {},
        ...(str(spec['serviceAccountName']) ? { serviceAccount: str(spec['serviceAccountName']) } : {}),
        addresses: ip ? [ip] : [],
        services: [],
        source: 'kubernetes',
      });
    }
  }
  return { available: true, services, workloads };
}

/** Istio's protocol of a Kubernetes port: `appProtocol`, else the name's prefix (`http-web` → HTTP), else TCP. */
function protocolOf(name: string, appProtocol: string | undefined): string {
  const candidate = (appProtocol ?? name.split('-')[0] ?? '').toLowerCase();
  return PROTOCOL_PREFIXES.includes(candidate) ? candidate.toUpperCase() : 'TCP';
}
