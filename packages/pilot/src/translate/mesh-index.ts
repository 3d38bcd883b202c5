import { serviceFqdn } from '@mesh/shared-api';
import type { ConfigResource, DestinationRuleSpec, Subset, VirtualServiceSpec } from '@mesh/shared-api';
import type { Service, ServiceEndpoint } from '../model/service.js';

/** Everything translation reads: services, endpoints and traffic config, as plain data. */
export interface MeshState {
  domainSuffix: string;
  /** Sorted by hostname. */
  services: readonly Service[];
  endpoints: readonly ServiceEndpoint[];
  /** Oldest first: when several apply to one host, the first wins (Istio's conflict rule). */
  virtualServices: readonly ConfigResource<VirtualServiceSpec>[];
  destinationRules: readonly ConfigResource<DestinationRuleSpec>[];
}

/** The gateway name that means "the sidecars of the mesh" in `gateways` fields. */
export const MESH_GATEWAY = 'mesh';

/**
 * A {@link MeshState} indexed once per push and shared by every proxy's translation: services by
 * host, endpoints by host and port, the VirtualService and merged DestinationRule subsets per host.
 */
export interface MeshIndex {
  readonly state: MeshState;
  service(hostname: string): Service | undefined;
  endpoints(hostname: string, port: number): readonly ServiceEndpoint[];
  /** The VirtualService that routes sidecar traffic to this host, if any. */
  virtualService(hostname: string): ConfigResource<VirtualServiceSpec> | undefined;
  /** The subsets DestinationRules define for this host (first definition of a name wins). */
  subsets(hostname: string): readonly Subset[];
  /** Resolves a host as written in config in `namespace` to a service FQDN (see {@link resolveHost}). */
  resolve(host: string, namespace: string): string;
}

/** Builds the per-push index. Pure. */
export function buildMeshIndex(state: MeshState): MeshIndex {
  const services = new Map(state.services.map((s) => [s.hostname, s]));
  const endpoints = new Map<string, ServiceEndpoint[]>();
  for (const ep of state.endpoints) {
    const k = `${ep.hostname}|${ep.servicePort}`;
    let list = endpoints.get(k);
    if (!list) endpoints.set(k, (list = []));
    list.push(ep);
  }
  const resolve = (host: string, ns: string): string => resolveHost(host, ns, state.domainSuffix, services);

  const vsByHost = new Map<string, ConfigResource<VirtualServiceSpec>>();
  const wildcardVs: { pattern: string; vs: ConfigResource<VirtualServiceSpec> }[] = [];
  for (const vs of state.virtualServices) {
    if (!appliesToSidecars(vs.spec.gateways)) continue;
    for (const h of vs.spec.hosts ?? []) {
      if (h.startsWith('*')) wildcardVs.push({ pattern: h, vs });
      else {
        const fqdn = resolve(h, vs.metadata.namespace ?? 'default');
        if (!vsByHost.has(fqdn)) vsByHost.set(fqdn, vs);
      }
    }
  }

  const subsetsByHost = new Map<string, Subset[]>();
  const wildcardDr: { pattern: string; dr: ConfigResource<DestinationRuleSpec> }[] = [];
  for (const dr of state.destinationRules) {
    if (dr.spec.host.startsWith('*')) {
      wildcardDr.push({ pattern: dr.spec.host, dr });
      continue;
    }
    const fqdn = resolve(dr.spec.host, dr.metadata.namespace ?? 'default');
    const list = subsetsByHost.get(fqdn) ?? [];
    for (const s of dr.spec.subsets ?? []) if (!list.some((x) => x.name === s.name)) list.push(s);
    subsetsByHost.set(fqdn, list);
  }

  return {
    state,
    service: (h) => services.get(h),
    endpoints: (h, port) => endpoints.get(`${h}|${port}`) ?? [],
    virtualService: (h) => vsByHost.get(h) ?? wildcardVs.find((w) => wildcardMatches(w.pattern, h))?.vs,
    subsets: (h) => subsetsByHost.get(h) ?? wildcardDr.find((w) => wildcardMatches(w.pattern, h))?.dr.spec.subsets ?? [],
    resolve,
  };
}

/**
 * Resolves a host written in a config object of `namespace` (Istio's rules): a short name means
 * `<name>.<namespace>.svc.<suffix>`; `<name>.<ns>` and `<name>.<ns>.svc` are accepted when they name a
 * known service; anything else is taken as a fully-qualified host.
 */
export function resolveHost(host: string, namespace: string, domainSuffix: string, known: ReadonlyMap<string, unknown>): string {
  if (!host.includes('.')) return serviceFqdn(host, namespace, domainSuffix);
  if (known.has(host)) return host;
  const parts = host.split('.');
  if (parts.length === 2) {
    const candidate = serviceFqdn(parts[0]!, parts[1]!, domainSuffix);
    if (known.has(candidate)) return candidate;
  }
  if (parts.length === 3 && parts[2] === 'svc') {
    const candidate = `${host}.${domainSuffix}`;
    if (known.has(candidate)) return candidate;
  }
  return host;
}

/** `*` matches every host; `*.example.com` matches hosts ending in `.example.com`. */
export function wildcardMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  return pattern.startsWith('*') && host.endsWith(pattern.slice(1));
}

/** Config bound to gateways applies to sidecars only when the list is empty or names `mesh`. */
export function appliesToSidecars(gateways: readonly string[] | undefined): boolean {
  return !gateways || gateways.length === 0 || gateways.includes(MESH_GATEWAY);
}
