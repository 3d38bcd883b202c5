import type { ConfigResource } from '@mesh/shared-api';
import type { ServiceEntrySpec, WorkloadEntrySpec } from './networking-specs.js';
import { labelsMatch, portProtocol } from './service.js';
import type { Resolution, Service, ServiceEndpoint, ServicePort } from './service.js';

/** The label a workload carries when its sidecar terminates mTLS. */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

const RESOLUTIONS: Readonly<Record<string, Resolution>> = { NONE: 'Passthrough', STATIC: 'ClientSideLB', DNS: 'DNSLB', DNS_ROUND_ROBIN: 'DNSLB' };

/** Services and endpoints a set of ServiceEntries defines. */
export interface ServiceEntryModel {
  services: Service[];
  endpoints: ServiceEndpoint[];
}

function endpointsOf(
  se: ConfigResource<ServiceEntrySpec>,
  host: string,
  ports: readonly ServicePort[],
  entries: readonly { id: string; spec: WorkloadEntrySpec }[],
): ServiceEndpoint[] {
  const out: ServiceEndpoint[] = [];
  for (const { id, spec: we } of entries) {
    if (!we.address) continue;
    const labels = we.labels ?? {};
    for (const p of ports) {
      out.push({
        hostname: host,
        servicePort: p.port,
        address: we.address,
        port: we.ports?.[p.name] ?? p.port,
        labels,
        workloadId: id,
        ...(we.serviceAccount ? { serviceAccount: we.serviceAccount } : {}),
        ...(we.locality ? { locality: we.locality } : {}),
        ...(we.network ? { network: we.network } : {}),
        ...(we.weight ? { weight: we.weight } : {}),
        ...(labels[TLS_MODE_LABEL] ? { tlsMode: labels[TLS_MODE_LABEL] } : {}),
      });
    }
  }
  if (out.length === 0 && se.spec.resolution === 'DNS' && !host.startsWith('*') && (se.spec.endpoints ?? []).length === 0 && !se.spec.workloadSelector) {
    // Istio resolves a DNS ServiceEntry without endpoints by its host names.
    for (const p of ports) out.push({ hostname: host, servicePort: p.port, address: host, port: p.port, labels: {}, workloadId: `${se.metadata.namespace}/${se.metadata.name}/${host}` });
  }
  return out;
}

/**
 * Istio's ServiceEntry conversion (`convertServices` / `convertInstances`): one service per host
 * (in the entry's namespace, with its addresses, ports, resolution NONE → Passthrough, STATIC →
 * client-side balancing, DNS → DNS; MESH_EXTERNAL unless MESH_INTERNAL; exportTo), and its
 * endpoints: the inline `endpoints`, or the WorkloadEntries of the namespace its
 * `workloadSelector` selects, or — DNS without endpoints — the host itself. Pure.
 */
export function convertServiceEntries(
  entries: readonly ConfigResource<ServiceEntrySpec>[],
  workloadEntries: readonly ConfigResource<WorkloadEntrySpec>[],
): ServiceEntryModel {
  const services: Service[] = [];
  const endpoints: ServiceEndpoint[] = [];
  for (const se of entries) {
    const ns = se.metadata.namespace ?? 'default';
    const ports: ServicePort[] = (se.spec.ports ?? [])
      .map((p) => ({ name: p.name ?? '', port: p.number, protocol: portProtocol(p.protocol, p.name ?? '') }))
      .sort((a, b) => a.port - b.port);
    const selector = se.spec.workloadSelector?.labels;
    const inline = (se.spec.endpoints ?? []).map((spec, i) => ({ id: `${ns}/${se.metadata.name}/${i}`, spec }));
    const selected = selector
      ? workloadEntries.filter((we) => (we.metadata.namespace ?? 'default') === ns && labelsMatch(selector, we.spec.labels ?? {})).map((we) => ({ id: `${ns}/${we.metadata.name}`, spec: we.spec }))
      : [];
    for (const host of se.spec.hosts ?? []) {
      services.push({
        hostname: host,
        name: host,
        namespace: ns,
        ports,
        ...(se.spec.addresses && se.spec.addresses.length > 0 ? { addresses: se.spec.addresses } : {}),
        resolution: RESOLUTIONS[se.spec.resolution ?? 'NONE'] ?? 'Passthrough',
        meshExternal: se.spec.location !== 'MESH_INTERNAL',
        ...(se.spec.exportTo ? { exportTo: se.spec.exportTo } : {}),
        ...(se.spec.subjectAltNames ? { serviceAccounts: se.spec.subjectAltNames } : {}),
        registry: 'ServiceEntry',
        ...(se.metadata.creationTimestamp ? { createdAt: se.metadata.creationTimestamp } : {}),
      });
      endpoints.push(...endpointsOf(se, host, ports, [...inline, ...selected]));
    }
  }
  return { services, endpoints };
}
