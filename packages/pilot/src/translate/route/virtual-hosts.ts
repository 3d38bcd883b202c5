import { outboundClusterName, outboundRouteName } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import type { VirtualServiceSpec } from '../../model/networking-specs.js';
import type { Proxy } from '../../model/proxy.js';
import { isHttpProtocol } from '../../model/service.js';
import type { Service } from '../../model/service.js';
import { hostMatches } from '../host-match.js';
import type { MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import type { ProxyScope } from '../scope.js';
import { defaultOutboundRoute, translateHttpRoute } from './action.js';
import type { RouteContext } from './action.js';
import { isCatchAll } from './match.js';

/** Istio's names of the clusters that catch traffic to hosts the mesh does not know. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';

/**
 * The routes of one VirtualService for one listener port (Istio 1.4's
 * `BuildHTTPRoutesForVirtualService`): each rule's applicable matches in order, one Envoy route
 * each; nothing after a catch-all route (it would never be reached).
 */
export function virtualServiceRoutes(ctx: RouteContext, vs: ConfigResource<VirtualServiceSpec>): XdsResource[] {
  const out: XdsResource[] = [];
  for (const r of vs.spec.http ?? []) {
    const matches = r.match && r.match.length > 0 ? r.match : [undefined];
    for (const m of matches) {
      const route = translateHttpRoute(ctx, vs, r, m);
      if (!route) continue;
      out.push(route);
      if (isCatchAll(route)) return out;
    }
    if (!r.match || r.match.length === 0) return out;
  }
  return out;
}

/**
 * The other names a service is reachable by from a proxy (Istio 1.4's `generateAltVirtualHosts`):
 * with the proxy's DNS domain `<ns>.svc.<suffix>`, the part of the hostname not shared with it,
 * then that part followed by each shorter suffix of the shared domain — each with and without `:port`.
 */
export function altVirtualHosts(hostname: string, port: number, proxyDomain: string): string[] {
  const h = hostname.split('.');
  const d = proxyDomain.split('.');
  let shared = 0;
  while (shared < h.length - 1 && shared < d.length && h[h.length - 1 - shared] === d[d.length - 1 - shared]) shared++;
  if (shared === 0) return [];
  const uniq = h.slice(0, h.length - shared).join('.');
  const sharedLabels = h.slice(h.length - shared);
  const out = [uniq, `${uniq}:${port}`];
  for (let n = sharedLabels.length - 1; n > 0; n--) {
    const variant = `${uniq}.${sharedLabels.slice(0, n).join('.')}`;
    out.push(variant, `${variant}:${port}`);
  }
  return out;
}

/**
 * The domains of a service's virtual host (Istio 1.4's `generateVirtualHostDomains`): the hostname,
 * `hostname:port`, the alternative short forms for the proxy's namespace, and the service VIP.
 */
export function serviceDomains(svc: Service, port: number, proxyNamespace: string, domainSuffix: string): string[] {
  const domains = [svc.hostname, `${svc.hostname}:${port}`, ...altVirtualHosts(svc.hostname, port, `${proxyNamespace}.svc.${domainSuffix}`)];
  const vip = svc.addresses?.[0];
  if (vip && vip !== '0.0.0.0' && !vip.includes('/')) domains.push(vip, `${vip}:${port}`);
  return domains;
}

interface VirtualHostDraft {
  /** Services the routes apply to (their domains are generated), or a VirtualService host that names no service. */
  services: Service[];
  extraHosts: string[];
  routes: XdsResource[];
}

/**
 * RouteConfiguration `<port>` for a sidecar (Istio 1.4's `buildSidecarOutboundHTTPRouteConfig`):
 * one virtual host per service with that HTTP port, routed by the first VirtualService that names
 * it (else the default route), one per VirtualService host that names no service, then the
 * catch-all for unknown hosts (`allow_any` or `block_all`). A domain is never listed twice: Envoy
 * rejects a route configuration that does.
 */
export function sidecarRouteConfiguration(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'namespace' | 'labels'>, port: number): XdsResource {
  const services = scope.services.filter((s) => s.ports.some((p) => p.port === port && isHttpProtocol(p.protocol)));
  const byHost = new Map(services.map((s) => [s.hostname, s]));
  const ctx: RouteContext = { index, proxy, gateways: scope.gateways, port };
  const drafts: VirtualHostDraft[] = [];
  const covered = new Set<string>();
  for (const vs of scope.virtualServices) {
    if (!vs.spec.http || vs.spec.http.length === 0) continue;
    const ns = vs.metadata.namespace ?? 'default';
    const matched: Service[] = [];
    const extraHosts: string[] = [];
    for (const h of vs.spec.hosts ?? []) {
      const host = index.resolve(h, ns);
      const exact = byHost.get(host);
      const hits = exact ? [exact] : host.startsWith('*') ? services.filter((s) => hostMatches(host, s.hostname)) : [];
      if (hits.length === 0) extraHosts.push(host);
      for (const s of hits) if (!matched.includes(s)) matched.push(s);
    }
    const routes = virtualServiceRoutes(ctx, vs);
    if (routes.length === 0) continue;
    drafts.push({ services: matched, extraHosts, routes });
    matched.forEach((s) => covered.add(s.hostname));
  }
  for (const svc of services) {
    if (covered.has(svc.hostname)) continue;
    drafts.push({ services: [svc], extraHosts: [], routes: [defaultOutboundRoute(outboundClusterName(svc.hostname, port), `${svc.hostname}:${port}/*`)] });
  }
  const usedNames = new Set<string>();
  const usedDomains = new Set<string>();
  const virtualHosts: XdsResource[] = [];
  const add = (name: string, domains: string[], routes: XdsResource[]): void => {
    if (usedNames.has(name)) return;
    const fresh = domains.filter((d) => !usedDomains.has(d));
    if (fresh.length === 0) return;
    usedNames.add(name);
    fresh.forEach((d) => usedDomains.add(d));
    virtualHosts.push({ name, domains: fresh, routes });
  };
  for (const d of drafts) {
    for (const svc of d.services) add(`${svc.hostname}:${port}`, serviceDomains(svc, port, proxy.namespace, index.settings.domainSuffix), d.routes);
    for (const host of d.extraHosts) add(`${host}:${port}`, [host, `${host}:${port}`], d.routes);
  }
  const catchAll = catchAllVirtualHost(scope.outboundTrafficPolicy);
  if (catchAll && !usedDomains.has('*')) virtualHosts.push(catchAll);
  return { name: outboundRouteName(port), virtual_hosts: virtualHosts, validate_clusters: { value: false } };
}

/** Istio 1.4's catch-all virtual host: `allow_any` to PassthroughCluster, or `block_all` answering 502. */
export function catchAllVirtualHost(mode: ProxyScope['outboundTrafficPolicy']): XdsResource | undefined {
  if (mode === 'ALLOW_ANY') return { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: { seconds: 0 } } }] };
  if (mode === 'REGISTRY_ONLY') return { name: 'block_all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 502 } }] };
  return undefined;
}
