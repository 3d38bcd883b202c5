import { jsonToStruct, outboundClusterName, parseOutboundClusterName } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import type { Destination, HttpMatchRequest, HttpRedirect, HttpRoute, VirtualServiceSpec } from '../../model/networking-specs.js';
import type { Proxy } from '../../model/proxy.js';
import { consistentHashFor } from '../cluster/policy.js';
import { parseDuration } from '../duration.js';
import type { MeshIndex } from '../mesh-index.js';
import { qualifyGateway } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { translateCors } from './cors.js';
import { FAULT_FILTER, translateFault } from './fault.js';
import { applyHeaderOps, headerOps, mergeHeaderOps } from './headers.js';
import { matchApplies, routeMatch } from './match.js';
import { percentToFraction } from './percent.js';
import { retryPolicy } from './retry.js';

/** What translating one VirtualService's routes for one proxy and listener port needs. */
export interface RouteContext {
  index: MeshIndex;
  proxy: Pick<Proxy, 'namespace' | 'labels'>;
  /** The gateway names whose routes apply (`mesh` for sidecars). */
  gateways: ReadonlySet<string>;
  /** The listener port the routes are for. */
  port: number;
}

/** `timeout: 0s` disables Envoy's 15 s default route timeout; Istio 1.4 sets it when the route has none. */
const NO_TIMEOUT = { seconds: 0 };

/**
 * `metadata.filter_metadata.istio.config` naming the object a route came from (Istio's
 * `BuildConfigInfoMetadata`), so config dumps and access logs can point back at it.
 */
export function configMetadata(kind: 'virtual-service', vs: ConfigResource<VirtualServiceSpec>): XdsResource {
  const ns = vs.metadata.namespace ?? 'default';
  return { filter_metadata: { istio: jsonToStruct({ config: `/apis/networking.istio.io/v1alpha3/namespaces/${ns}/${kind}/${vs.metadata.name}` }) } };
}

/**
 * The cluster of one destination (Istio 1.4's `GetDestinationCluster`): its host resolved in the
 * VirtualService's namespace; its port as given, else the service's only port, else the listener port.
 */
export function destinationCluster(index: MeshIndex, d: Destination, vsNamespace: string, listenPort: number): string {
  const host = index.resolve(d.host, vsNamespace);
  let port = d.port?.number;
  if (port === undefined) {
    const ports = index.service(host)?.ports ?? [];
    port = ports.length === 1 ? ports[0]!.port : listenPort;
  }
  return outboundClusterName(host, port, d.subset ?? '');
}

/** Istio's `redirectCode` → Envoy's RedirectResponseCode (301 is the default, left unset). */
const REDIRECT_CODES: Readonly<Record<number, string>> = { 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };

function redirectAction(r: HttpRedirect): XdsResource {
  const out: XdsResource = {};
  if (r.authority) out['host_redirect'] = r.authority;
  if (r.uri) out['path_redirect'] = r.uri;
  if (r.scheme) out['scheme_redirect'] = r.scheme;
  if (r.port) out['port_redirect'] = r.port;
  const code = r.redirectCode !== undefined ? REDIRECT_CODES[r.redirectCode] : undefined;
  if (code) out['response_code'] = code;
  return out;
}

/**
 * A route's `hash_policy` from the DestinationRule of a destination (Istio 1.4's `getHashPolicy`):
 * by header, cookie, source IP or query parameter.
 */
function hashPolicy(ctx: RouteContext, d: Destination, vsNamespace: string): XdsResource | undefined {
  const host = ctx.index.resolve(d.host, vsNamespace);
  const ch = consistentHashFor(ctx.index.destinationRule(ctx.proxy.namespace, host), d.subset, d.port?.number);
  if (!ch) return undefined;
  if (ch.httpHeaderName) return { header: { header_name: ch.httpHeaderName } };
  if (ch.httpCookie) {
    const cookie: XdsResource = { name: ch.httpCookie.name };
    const ttl = ch.httpCookie.ttl !== undefined ? parseDuration(ch.httpCookie.ttl) : undefined;
    if (ttl) cookie['ttl'] = ttl;
    if (ch.httpCookie.path) cookie['path'] = ch.httpCookie.path;
    return { cookie };
  }
  if (ch.useSourceIp) return { connection_properties: { source_ip: true } };
  if (ch.httpQueryParameterName) return { query_parameter: { name: ch.httpQueryParameterName } };
  return undefined;
}

/** The mirror policy (`request_mirror_policies`), or none when the percentage is 0. */
function mirrorPolicy(ctx: RouteContext, r: HttpRoute, vsNamespace: string): XdsResource[] | undefined {
  if (!r.mirror) return undefined;
  const fraction = percentToFraction(r.mirrorPercentage, r.mirrorPercent);
  if (fraction['numerator'] === 0) return undefined;
  return [{ cluster: destinationCluster(ctx.index, r.mirror, vsNamespace, ctx.port), runtime_fraction: { default_value: fraction } }];
}

/**
 * Envoy's RouteAction for an Istio HTTPRoute with destinations (Istio 1.4's `translateRoute`):
 * one `cluster` or `weighted_clusters` (zero weights dropped unless alone, total 100), timeout and
 * max_grpc_timeout (0s = none), retry policy, CORS, mirror, rewrite, hash policy, websocket upgrade.
 * Header operations of a single destination move to the route; `routeHeaders` receives them.
 */
function routeAction(ctx: RouteContext, r: HttpRoute, vsNamespace: string, out: XdsResource): void {
  const action: XdsResource = {};
  const dests = (r.route ?? []).filter((d) => (d.weight ?? 0) > 0 || (r.route ?? []).length === 1);
  const weighted = dests.map((d) => {
    const cw: XdsResource = { name: destinationCluster(ctx.index, d.destination, vsNamespace, ctx.port), weight: { value: (r.route ?? []).length === 1 ? 100 : d.weight! } };
    applyHeaderOps(cw, headerOps(d.headers, d));
    return cw;
  });
  let ops = headerOps(r.headers, r);
  if (weighted.length === 1) {
    action['cluster'] = weighted[0]!['name'];
    ops = mergeHeaderOps(ops, headerOps(dests[0]!.headers, dests[0]!));
  } else if (weighted.length > 1) {
    action['weighted_clusters'] = { clusters: weighted, total_weight: { value: weighted.reduce((s, c) => s + (c['weight'] as { value: number }).value, 0) } };
  }
  const timeout = r.timeout !== undefined ? parseDuration(r.timeout) : undefined;
  action['timeout'] = timeout ?? NO_TIMEOUT;
  const retry = retryPolicy(r.retries);
  if (retry) action['retry_policy'] = retry;
  if (r.corsPolicy) action['cors'] = translateCors(r.corsPolicy);
  const mirror = mirrorPolicy(ctx, r, vsNamespace);
  if (mirror) action['request_mirror_policies'] = mirror;
  if (r.rewrite?.uri) action['prefix_rewrite'] = r.rewrite.uri;
  if (r.rewrite?.authority) action['host_rewrite_literal'] = r.rewrite.authority;
  const hashes = dests.map((d) => hashPolicy(ctx, d.destination, vsNamespace)).filter((h): h is XdsResource => h !== undefined);
  if (hashes.length > 0) action['hash_policy'] = hashes;
  if (r.websocketUpgrade) action['upgrade_configs'] = [{ upgrade_type: 'websocket', enabled: { value: true } }];
  action['max_grpc_timeout'] = timeout ?? NO_TIMEOUT;
  out['route'] = action;
  applyHeaderOps(out, ops);
}

/**
 * Istio 1.4's `getRouteOperation`: `<host>:<port><path>` when the route has one cluster, else
 * `<virtual service>:<port><path>`, where the path is the prefix followed by `*`, the exact path, or the regex.
 */
export function routeOperation(route: XdsResource, vsName: string, port: number): string {
  const m = (route['match'] ?? {}) as XdsResource;
  const path = typeof m['prefix'] === 'string' ? `${m['prefix']}*` : typeof m['path'] === 'string' ? m['path'] : m['safe_regex'] ? String((m['safe_regex'] as XdsResource)['regex']) : '/*';
  const parsed = typeof (route['route'] as XdsResource | undefined)?.['cluster'] === 'string' ? parseOutboundClusterName(String((route['route'] as XdsResource)['cluster'])) : undefined;
  return parsed ? `${parsed.host}:${parsed.port}${path}` : `${vsName}:${port}${path}`;
}

/**
 * One Envoy route for one HTTP rule and one of its matches (Istio 1.4's `translateRoute`), or
 * undefined when the match does not apply to this proxy or port. A rule without destinations or
 * redirect yields nothing.
 */
export function translateHttpRoute(ctx: RouteContext, vs: ConfigResource<VirtualServiceSpec>, r: HttpRoute, match: HttpMatchRequest | undefined): XdsResource | undefined {
  const vsNamespace = vs.metadata.namespace ?? 'default';
  if (!matchApplies(match, ctx.port, ctx.proxy, ctx.gateways, (g) => qualifyGateway(g, vsNamespace))) return undefined;
  if (!r.redirect && (!r.route || r.route.length === 0)) return undefined;
  const out: XdsResource = {};
  const name = [r.name, match?.name].filter((n) => n).join('.');
  if (name) out['name'] = name;
  out['match'] = routeMatch(match);
  if (r.redirect) out['redirect'] = redirectAction(r.redirect);
  else routeAction(ctx, r, vsNamespace, out);
  out['metadata'] = configMetadata('virtual-service', vs);
  out['decorator'] = { operation: routeOperation(out, vs.metadata.name, ctx.port) };
  const fault = r.fault ? translateFault(r.fault) : undefined;
  if (fault) out['typed_per_filter_config'] = { [FAULT_FILTER]: fault };
  return out;
}

/** The route Istio 1.4 gives a service without a VirtualService (`BuildDefaultHTTPOutboundRoute`). */
export function defaultOutboundRoute(cluster: string, operation: string): XdsResource {
  return {
    name: 'default',
    match: { prefix: '/' },
    route: { cluster, timeout: NO_TIMEOUT, retry_policy: retryPolicy(undefined), max_grpc_timeout: NO_TIMEOUT },
    decorator: { operation },
  };
}

/** The inbound route to the local application (`BuildDefaultHTTPInboundRoute`): no retries, no timeout. */
export function defaultInboundRoute(cluster: string, operation: string): XdsResource {
  return { match: { prefix: '/' }, route: { cluster, timeout: NO_TIMEOUT, max_grpc_timeout: NO_TIMEOUT }, decorator: { operation } };
}
