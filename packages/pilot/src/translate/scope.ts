import type { ConfigResource } from '@mesh/shared-api';
import type { MeshSettings } from '../model/mesh-settings.js';
import type { GatewaySpec, SidecarSpec, VirtualServiceSpec } from '../model/networking-specs.js';
import type { Proxy } from '../model/proxy.js';
import { labelsMatch } from '../model/service.js';
import type { Service } from '../model/service.js';
import { exportedTo, hostMatches } from './host-match.js';
import { MESH_GATEWAY, virtualServiceGateways } from './mesh-index.js';
import type { MeshIndex } from './mesh-index.js';

/** One `<namespace>/<host>` entry of a Sidecar's egress hosts, parsed. */
interface EgressHost {
  /** `*` any namespace, `~` none, else a namespace (`.` already replaced by the Sidecar's). */
  namespace: string;
  host: string;
}

/**
 * What one proxy sees of the mesh (Istio's SidecarScope): the services and VirtualServices it may
 * use, after `exportTo` and, for sidecars, the egress hosts of the Sidecar that applies to it.
 */
export interface ProxyScope {
  /** The Sidecar object that applies, if any (`<ns>/<name>`, for debugging and caching). */
  sidecar: ConfigResource<SidecarSpec> | undefined;
  /** Visible services, sorted by hostname. */
  services: readonly Service[];
  /** VirtualServices bound to one of {@link gateways} and visible to the proxy, oldest first. */
  virtualServices: readonly ConfigResource<VirtualServiceSpec>[];
  /** The gateway names whose config applies: `mesh` for sidecars, `<ns>/<name>` of the selecting Gateways for routers. */
  gateways: ReadonlySet<string>;
  /** The Gateways selecting a router proxy, oldest first. */
  gatewayObjects: readonly ConfigResource<GatewaySpec>[];
  outboundTrafficPolicy: MeshSettings['outboundTrafficPolicy'];
}

/**
 * The Sidecar that applies to a proxy (Istio 1.4): one in its namespace whose workloadSelector
 * matches its labels, else its namespace's Sidecar without a selector, else the root namespace's
 * Sidecar without a selector. Oldest first wins each step.
 */
export function sidecarFor(index: MeshIndex, proxy: Pick<Proxy, 'namespace' | 'labels'>): ConfigResource<SidecarSpec> | undefined {
  const all = index.configs('Sidecar');
  const inNs = all.filter((s) => s.metadata.namespace === proxy.namespace);
  const selected = inNs.find((s) => s.spec.workloadSelector?.labels && Object.keys(s.spec.workloadSelector.labels).length > 0 && labelsMatch(s.spec.workloadSelector.labels, proxy.labels));
  const unselected = (list: readonly ConfigResource<SidecarSpec>[]): ConfigResource<SidecarSpec> | undefined =>
    list.find((s) => !s.spec.workloadSelector?.labels || Object.keys(s.spec.workloadSelector.labels).length === 0);
  return selected ?? unselected(inNs) ?? unselected(all.filter((s) => s.metadata.namespace === index.settings.rootNamespace));
}

function egressHosts(sidecar: ConfigResource<SidecarSpec> | undefined): EgressHost[] {
  if (!sidecar?.spec.egress || sidecar.spec.egress.length === 0) return [{ namespace: '*', host: '*' }];
  const own = sidecar.metadata.namespace ?? 'default';
  return sidecar.spec.egress.flatMap((e) =>
    e.hosts.map((h) => {
      const slash = h.indexOf('/');
      const ns = slash < 0 ? '*' : h.slice(0, slash);
      return { namespace: ns === '.' ? own : ns, host: slash < 0 ? h : h.slice(slash + 1) };
    }),
  );
}

function egressAllows(hosts: readonly EgressHost[], namespace: string, host: string): boolean {
  return hosts.some((e) => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace) && hostMatches(e.host, host));
}

/** The Gateways whose selector matches a router proxy's labels (an empty selector matches every gateway). */
export function gatewaysFor(index: MeshIndex, proxy: Pick<Proxy, 'labels'>): ConfigResource<GatewaySpec>[] {
  return index.configs('Gateway').filter((g) => labelsMatch(g.spec.selector, proxy.labels));
}

/** Computes a proxy's scope. Pure; depends on the proxy's type, namespace and labels only. */
export function proxyScope(index: MeshIndex, proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>): ProxyScope {
  const ns = proxy.namespace;
  const router = proxy.type === 'router';
  const sidecar = router ? undefined : sidecarFor(index, proxy);
  const egress = egressHosts(sidecar);
  const gatewayObjects = router ? gatewaysFor(index, proxy) : [];
  const gateways = new Set(router ? gatewayObjects.map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`) : [MESH_GATEWAY]);
  const services = index.state.services.filter((s) => exportedTo(s.exportTo, s.namespace, ns) && (router || egressAllows(egress, s.namespace, s.hostname)));
  const virtualServices = index.configs('VirtualService').filter((vs) => {
    const vsNs = vs.metadata.namespace ?? 'default';
    if (!exportedTo(vs.spec.exportTo, vsNs, ns)) return false;
    if (!virtualServiceGateways(vs).some((g) => gateways.has(g))) return false;
    return router || (vs.spec.hosts ?? []).some((h) => egressAllows(egress, vsNs, index.resolve(h, vsNs)));
  });
  const mode = sidecar?.spec.outboundTrafficPolicy?.mode;
  return {
    sidecar,
    services,
    virtualServices,
    gateways,
    gatewayObjects,
    outboundTrafficPolicy: mode && index.settings.outboundTrafficPolicy !== 'NONE' ? mode : index.settings.outboundTrafficPolicy,
  };
}
