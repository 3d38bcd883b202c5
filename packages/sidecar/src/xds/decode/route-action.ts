import type { DirectResponseModel, HashPolicyModel, MirrorPolicyModel, RedirectModel, RouteActionModel, WeightedClusterModel } from '../../routing/route-model.js';
import { compileRe2Search, re2Substitution } from '../../routing/re2.js';
import { arr, boolValue, durationMs, isSet, obj, runtimeFraction, str, uint32Value } from './fields.js';
import type { Problems } from './fields.js';
import { headerOps } from './header-ops.js';
import { retryPolicy } from './retry-policy.js';

/** RouteAction fields whose behaviour the sidecar does not implement: a route using them is refused. */
const UNSUPPORTED_ACTION_FIELDS = ['cluster_specifier_plugin', 'inline_cluster_specifier_plugin', 'path_rewrite_policy', 'host_rewrite_path_regex', 'retry_policy_typed_config', 'hedge_policy', 'internal_redirect_policy'];

const NOT_FOUND_CODES: Record<string, 404 | 500 | 503> = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };

/**
 * Decodes an `envoy.config.route.v3.RouteAction`
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction):
 * cluster or weighted clusters, timeout, retries, mirrors, hash policy, path and host rewrites,
 * gRPC timeouts and upgrades.
 */
export function routeAction(raw: Record<string, unknown>, at: string, p: Problems): RouteActionModel {
  for (const k of UNSUPPORTED_ACTION_FIELDS) if (isSet(raw[k])) p.add(`${at}${k}`, `route action field ${k} is not supported by the sidecar`);
  if (Object.keys(obj(obj(raw['metadata_match'])['filter_metadata'])).length > 0) p.add(`${at}metadata_match`, 'subset load balancing (metadata_match) is not supported by the sidecar');
  const clusters = clusterSpecifier(raw, at, p);
  const totalWeight = clusters.reduce((sum, c) => sum + c.weight, 0);
  const timeoutMs = durationMs(raw['timeout']);
  const msd = obj(raw['max_stream_duration']);
  const maxGrpcTimeoutMs = durationMs(msd['grpc_timeout_header_max']) ?? durationMs(raw['max_grpc_timeout']);
  const grpcTimeoutOffsetMs = durationMs(msd['grpc_timeout_header_offset']) ?? durationMs(raw['grpc_timeout_offset']);
  const mirrors = arr(raw['request_mirror_policies']).map((m, i) => mirrorPolicy(obj(m), `${at}request_mirror_policies[${i}].`, p));
  const hashPolicy = arr(raw['hash_policy']).flatMap((h, i) => hashPolicyEntry(obj(h), `${at}hash_policy[${i}].`, p));
  const upgrades = new Map<string, boolean>();
  for (const u of arr(raw['upgrade_configs'])) upgrades.set(str(obj(u)['upgrade_type']).toLowerCase(), boolValue(obj(u)['enabled']) ?? true);
  const rewrite = pathRewrite(raw, at, p);
  const autoHostRewrite = boolValue(raw['auto_host_rewrite']) === true;
  const priority = str(raw['priority']) === 'HIGH' ? 'HIGH' : undefined;
  const notFound = NOT_FOUND_CODES[str(raw['cluster_not_found_response_code'])];
  return {
    kind: 'route',
    clusters,
    totalWeight,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(isSet(raw['retry_policy']) ? { retry: retryPolicy(obj(raw['retry_policy']), `${at}retry_policy.`, p) } : {}),
    ...(mirrors.length > 0 ? { mirrors } : {}),
    ...(hashPolicy.length > 0 ? { hashPolicy } : {}),
    ...rewrite,
    ...(typeof raw['host_rewrite_literal'] === 'string' && raw['host_rewrite_literal'] ? { hostRewrite: raw['host_rewrite_literal'] } : {}),
    ...(typeof raw['host_rewrite_header'] === 'string' && raw['host_rewrite_header'] ? { hostRewriteHeader: raw['host_rewrite_header'].toLowerCase() } : {}),
    ...(autoHostRewrite ? { autoHostRewrite } : {}),
    ...(maxGrpcTimeoutMs !== undefined ? { maxGrpcTimeoutMs } : {}),
    ...(grpcTimeoutOffsetMs !== undefined ? { grpcTimeoutOffsetMs } : {}),
    ...(upgrades.size > 0 ? { upgrades } : {}),
    ...(priority ? { priority } : {}),
    ...(notFound ? { clusterNotFoundStatus: notFound } : {}),
  };
}

function clusterSpecifier(raw: Record<string, unknown>, at: string, p: Problems): WeightedClusterModel[] {
  if (typeof raw['cluster'] === 'string') {
    if (!raw['cluster']) p.add(`${at}cluster`, 'the cluster name is empty');
    return [{ name: raw['cluster'], weight: 1 }];
  }
  if (isSet(raw['weighted_clusters'])) {
    const wc = obj(raw['weighted_clusters']);
    const clusters = arr(wc['clusters']).map((c, i) => weightedCluster(obj(c), `${at}weighted_clusters.clusters[${i}].`, p));
    const total = clusters.reduce((sum, c) => sum + c.weight, 0);
    if (clusters.length === 0) p.add(`${at}weighted_clusters.clusters`, 'weighted_clusters needs at least one cluster');
    else if (total <= 0) p.add(`${at}weighted_clusters`, 'the weights of weighted_clusters add up to 0');
    const declared = uint32Value(wc['total_weight']);
    if (declared !== undefined && declared !== 0 && declared !== total) p.add(`${at}weighted_clusters.total_weight`, `total_weight ${declared} differs from the sum of the weights ${total}`);
    if (str(wc['header_name'])) p.add(`${at}weighted_clusters.header_name`, 'picking a weighted cluster by header is not supported by the sidecar');
    return clusters;
  }
  if (typeof raw['cluster_header'] === 'string') p.add(`${at}cluster_header`, 'choosing the cluster by header is not supported by the sidecar');
  else if (!UNSUPPORTED_ACTION_FIELDS.slice(0, 2).some((k) => isSet(raw[k]))) p.add(`${at}cluster`, 'a route action needs cluster or weighted_clusters');
  return [];
}

function weightedCluster(raw: Record<string, unknown>, at: string, p: Problems): WeightedClusterModel {
  const name = str(raw['name']);
  if (!name) p.add(`${at}name`, 'a weighted cluster needs a name');
  if (str(raw['cluster_header'])) p.add(`${at}cluster_header`, 'choosing the cluster by header is not supported by the sidecar');
  const ops = headerOps(raw, at, p);
  const hostRewrite = str(raw['host_rewrite_literal']);
  return { name, weight: uint32Value(raw['weight']) ?? 0, ...(ops ? { headerOps: ops } : {}), ...(hostRewrite ? { hostRewrite } : {}) };
}

function pathRewrite(raw: Record<string, unknown>, at: string, p: Problems): Pick<RouteActionModel, 'prefixRewrite' | 'regexRewrite'> {
  const prefix = typeof raw['prefix_rewrite'] === 'string' && raw['prefix_rewrite'] !== '' ? raw['prefix_rewrite'] : undefined;
  const regex = isSet(raw['regex_rewrite']) ? regexRewrite(obj(raw['regex_rewrite']), `${at}regex_rewrite.`, p) : undefined;
  if (prefix !== undefined && regex) p.add(`${at}regex_rewrite`, 'prefix_rewrite and regex_rewrite are mutually exclusive');
  return { ...(prefix !== undefined ? { prefixRewrite: prefix } : {}), ...(regex ? { regexRewrite: regex } : {}) };
}

/** Envoy `RegexMatchAndSubstitute`: every match in the path (query excluded) is replaced. */
export function regexRewrite(raw: Record<string, unknown>, at: string, p: Problems): { regex: RegExp; substitution: string } | undefined {
  const compiled = compileRe2Search(str(obj(raw['pattern'])['regex']));
  if (!compiled.ok) {
    p.add(`${at}pattern.regex`, compiled.error);
    return undefined;
  }
  return { regex: compiled.regex, substitution: re2Substitution(str(raw['substitution'])) };
}

function mirrorPolicy(raw: Record<string, unknown>, at: string, p: Problems): MirrorPolicyModel {
  const cluster = str(raw['cluster']);
  if (!cluster) p.add(`${at}cluster`, str(raw['cluster_header']) ? 'mirroring to a cluster named by a header is not supported by the sidecar' : 'a mirror policy needs a cluster');
  return { cluster, fraction: runtimeFraction(raw['runtime_fraction'], 1) };
}

function hashPolicyEntry(raw: Record<string, unknown>, at: string, p: Problems): HashPolicyModel[] {
  const terminal = raw['terminal'] === true;
  if (isSet(raw['header'])) {
    const h = obj(raw['header']);
    if (isSet(h['regex_rewrite'])) p.add(`${at}header.regex_rewrite`, 'rewriting the hashed header is not supported by the sidecar');
    const name = str(h['header_name']).toLowerCase();
    if (!name) p.add(`${at}header.header_name`, 'a header hash policy needs header_name');
    return [{ kind: 'header', name, terminal }];
  }
  if (isSet(raw['cookie'])) {
    const c = obj(raw['cookie']);
    const name = str(c['name']);
    if (!name) p.add(`${at}cookie.name`, 'a cookie hash policy needs a cookie name');
    const ttl = durationMs(c['ttl']);
    const path = str(c['path']);
    return [{ kind: 'cookie', name, ...(ttl !== undefined ? { ttlS: Math.floor(ttl / 1000) } : {}), ...(path ? { path } : {}), terminal }];
  }
  if (isSet(raw['connection_properties'])) return obj(raw['connection_properties'])['source_ip'] === true ? [{ kind: 'source-ip', terminal }] : [];
  if (isSet(raw['query_parameter'])) return [{ kind: 'query', name: str(obj(raw['query_parameter'])['name']), terminal }];
  p.add(`${at.replace(/\.$/, '')}`, 'hash policy must be header, cookie, connection_properties or query_parameter');
  return [];
}

const REDIRECT_CODES: Record<string, RedirectModel['status']> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

/** Decodes an `envoy.config.route.v3.RedirectAction`. */
export function redirectAction(raw: Record<string, unknown>, at: string, p: Problems): RedirectModel {
  const scheme = raw['https_redirect'] === true ? 'https' : str(raw['scheme_redirect']).toLowerCase() || undefined;
  const host = str(raw['host_redirect']) || undefined;
  const port = uint32Value(raw['port_redirect']) || undefined;
  const path = typeof raw['path_redirect'] === 'string' && raw['path_redirect'] !== '' ? raw['path_redirect'] : undefined;
  const prefixRewrite = typeof raw['prefix_rewrite'] === 'string' && raw['prefix_rewrite'] !== '' ? raw['prefix_rewrite'] : undefined;
  const regex = isSet(raw['regex_rewrite']) ? regexRewrite(obj(raw['regex_rewrite']), `${at}regex_rewrite.`, p) : undefined;
  if ([path, prefixRewrite, regex].filter((x) => x !== undefined).length > 1) p.add(`${at}path_rewrite_specifier`, 'path_redirect, prefix_rewrite and regex_rewrite are mutually exclusive');
  return {
    kind: 'redirect',
    ...(scheme ? { scheme } : {}),
    ...(host ? { host } : {}),
    ...(port ? { port } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(prefixRewrite !== undefined ? { prefixRewrite } : {}),
    ...(regex ? { regexRewrite: regex } : {}),
    status: REDIRECT_CODES[str(raw['response_code']) || 'MOVED_PERMANENTLY'] ?? 301,
    stripQuery: raw['strip_query'] === true,
  };
}

/** Decodes an `envoy.config.route.v3.DirectResponseAction` (inline bodies only). */
export function directResponse(raw: Record<string, unknown>, at: string, p: Problems): DirectResponseModel {
  const status = uint32Value(raw['status']) ?? 0;
  if (status < 100 || status > 599) p.add(`${at}status`, `status ${status} is not in [100, 599]`);
  if (!isSet(raw['body'])) return { kind: 'direct', status };
  const body = obj(raw['body']);
  if (typeof body['inline_string'] === 'string') return { kind: 'direct', status, body: body['inline_string'] };
  if (body['inline_bytes'] instanceof Uint8Array) return { kind: 'direct', status, body: Buffer.from(body['inline_bytes']).toString('utf8') };
  p.add(`${at}body`, 'only inline_string and inline_bytes bodies are supported by the sidecar');
  return { kind: 'direct', status };
}
