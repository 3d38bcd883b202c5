import { outboundClusterName, outboundRouteName } from '@mesh/shared-api';
import type { ConfigResource, HttpMatchRequest, HttpRoute, HttpRouteDestination, StringMatch, VirtualServiceSpec } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import { isHttpProtocol, labelsMatch } from '../model/service.js';
import type { Service } from '../model/service.js';
import { parseDuration } from './duration.js';
import { outboundHttpPorts } from './listeners.js';
import { MESH_GATEWAY } from './mesh-index.js';
import type { MeshIndex } from './mesh-index.js';
import type { XdsResource } from './resources.js';

/** Envoy's StringMatcher for an Istio StringMatch (`regex` is RE2, Envoy's `safe_regex`). */
export function stringMatcher(m: StringMatch): XdsResource | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/**
 * Envoy's RouteMatch for one Istio HTTPMatchRequest: the uri as `path` (exact), `prefix` or
 * `safe_regex` (no uri: prefix `/`), `case_sensitive: false` for ignoreUriCase, one header matcher
 * per header (method, authority and scheme become the `:method`, `:authority`, `:scheme` pseudo-headers,
 * as Istio does), and query parameter matchers.
 */
export function routeMatch(m: HttpMatchRequest | undefined): XdsResource {
  const match: XdsResource = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) match['path'] = uri.exact;
  else if (uri?.prefix !== undefined) match['prefix'] = uri.prefix;
  else if (uri?.regex !== undefined) match['safe_regex'] = { regex: uri.regex };
  else match['prefix'] = '/';
  if (m?.ignoreUriCase) match['case_sensitive'] = { value: false };
  const headers: XdsResource[] = [];
  for (const [name, sm] of Object.entries(m?.headers ?? {})) headers.push(headerMatcher(name, sm));
  if (m?.method) headers.push(headerMatcher(':method', m.method));
  if (m?.authority) headers.push(headerMatcher(':authority', m.authority));
  if (m?.scheme) headers.push(headerMatcher(':scheme', m.scheme));
  if (headers.length > 0) match['headers'] = headers;
  const query = Object.entries(m?.queryParams ?? {}).map(([name, sm]) => {
    const string_match = stringMatcher(sm);
    return string_match ? { name, string_match } : { name, present_match: true };
  });
  if (query.length > 0) match['query_parameters'] = query;
  return match;
}

function headerMatcher(name: string, sm: StringMatch): XdsResource {
  const string_match = stringMatcher(sm);
  // An empty StringMatch asks only that the header be present.
  return string_match ? { name, string_match } : { name, present_match: true };
}

/** Whether one match of a route applies to this proxy and service port (Istio drops those that do not). */
function matchApplies(m: HttpMatchRequest, port: number, proxy: Proxy): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  if (m.sourceLabels && !labelsMatch(m.sourceLabels, proxy.labels)) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.includes(MESH_GATEWAY)) return false;
  return true;
}

/**
 * The cluster of one destination: its host resolved in the VirtualService's namespace; its port as
 * given, else the destination service's only port (else the port being routed, else its first port).
 */
function destinationCluster(index: MeshIndex, d: HttpRouteDestination, vsNamespace: string, routedPort: number): string {
  const host = index.resolve(d.destination.host, vsNamespace);
  let port = d.destination.port?.number;
  if (port === undefined) {
    const ports = index.service(host)?.ports ?? [];
    port = ports.length === 1 ? ports[0]!.port : ports.some((p) => p.port === routedPort) || ports.length === 0 ? routedPort : ports[0]!.port;
  }
  return outboundClusterName(host, port, d.destination.subset ?? '');
}

/**
 * Envoy's RouteAction for an Istio HTTPRoute: one `cluster`, or `weighted_clusters`. As in Istio, a
 * zero-weight destination is dropped when there are others, and a single remaining one is a plain
 * cluster. `timeout` when the route sets one.
 */
export function routeAction(index: MeshIndex, r: HttpRoute, vsNamespace: string, port: number): XdsResource {
  const dests = r.route ?? [];
  let weighted = dests.filter((d) => (d.weight ?? 0) > 0 || dests.length === 1).map((d) => ({ d, weight: dests.length === 1 ? 100 : d.weight! }));
  if (weighted.length === 0) {
    // No weights at all (validation normally prevents it): split evenly, remainder to the first.
    const share = Math.floor(100 / dests.length);
    weighted = dests.map((d, i) => ({ d, weight: share + (i === 0 ? 100 - share * dests.length : 0) }));
  }
  const action: XdsResource = {};
  if (weighted.length === 1) action['cluster'] = destinationCluster(index, weighted[0]!.d, vsNamespace, port);
  else {
    action['weighted_clusters'] = {
      clusters: weighted.map(({ d, weight }) => ({ name: destinationCluster(index, d, vsNamespace, port), weight: { value: weight } })),
    };
  }
  const timeout = r.timeout !== undefined ? parseDuration(r.timeout) : undefined;
  if (timeout) action['timeout'] = timeout;
  return action;
}

/**
 * The routes of one VirtualService for one service port, in VirtualService order; each http route's
 * applicable matches become one Envoy route each. Routes without destinations (redirects, direct
 * responses) are not supported yet and are left out.
 */
export function virtualServiceRoutes(index: MeshIndex, vs: ConfigResource<VirtualServiceSpec>, port: number, proxy: Proxy): XdsResource[] {
  const routes: XdsResource[] = [];
  const ns = vs.metadata.namespace ?? 'default';
  for (const r of vs.spec.http ?? []) {
    if (!r.route || r.route.length === 0) continue;
    const matches: (HttpMatchRequest | undefined)[] = r.match && r.match.length > 0 ? r.match.filter((m) => matchApplies(m, port, proxy)) : [undefined];
    if (matches.length === 0) continue;
    const action = routeAction(index, r, ns, port);
    for (const m of matches) routes.push({ match: routeMatch(m), route: action });
  }
  return routes;
}

/** The route to a service with no VirtualService: everything to its default cluster. */
export function defaultRoute(svc: Service, port: number): XdsResource {
  return { match: { prefix: '/' }, route: { cluster: outboundClusterName(svc.hostname, port) } };
}

/** The names a service is addressed by on a port, most specific first. */
export function serviceDomains(svc: Service, port: number): string[] {
  const forms = [svc.hostname, svc.name, `${svc.name}.${svc.namespace}`, `${svc.name}.${svc.namespace}.svc`];
  return forms.flatMap((d) => [d, `${d}:${port}`]);
}

/**
 * RouteConfiguration `<port>`: one virtual host `<fqdn>:<port>` per service with that HTTP port.
 * Envoy requires domains to be unique across virtual hosts, so when two namespaces have a service
 * of the same short name, the short forms go to the one in the proxy's namespace (else the first by
 * hostname) — Istio's own rule for short names.
 */
export function routeConfiguration(index: MeshIndex, port: number, proxy: Proxy): XdsResource {
  const services = index.state.services.filter((s) => s.ports.some((p) => p.port === port && isHttpProtocol(p.protocol)));
  const priority = [...services.filter((s) => s.namespace === proxy.namespace), ...services.filter((s) => s.namespace !== proxy.namespace)];
  const used = new Set<string>();
  const domains = new Map<string, string[]>();
  for (const svc of priority) {
    const mine = serviceDomains(svc, port).filter((d) => !used.has(d));
    mine.forEach((d) => used.add(d));
    domains.set(svc.hostname, mine);
  }
  const virtual_hosts = services.map((svc) => {
    const vs = index.virtualService(svc.hostname);
    let routes = vs ? virtualServiceRoutes(index, vs, port, proxy) : [];
    if (routes.length === 0) routes = [defaultRoute(svc, port)];
    return { name: `${svc.hostname}:${port}`, domains: domains.get(svc.hostname) ?? [], routes };
  });
  return { name: outboundRouteName(port), virtual_hosts };
}

/** One RouteConfiguration per outbound listener port. */
export function buildRouteConfigurations(index: MeshIndex, proxy: Proxy): XdsResource[] {
  return outboundHttpPorts(index).map((port) => routeConfiguration(index, port, proxy));
}
