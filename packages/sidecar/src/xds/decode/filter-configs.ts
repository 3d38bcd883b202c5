import type { CorsPolicyModel, FaultModel, FilterConfigModel } from '../../routing/route-model.js';
import type { Problems} from './fields.js';
import { arr, boolValue, durationMs, fraction, isSet, obj, runtimeFraction, uint32Value } from './fields.js';
import { headerMatch, stringMatch } from './route-match.js';
import { ExtensionTypeUrls, unpackTyped } from './typed-config.js';

/**
 * Per-route HTTP filter configuration (`typed_per_filter_config` on virtual hosts and routes,
 * keyed by the filter's name in the connection manager's chain): the fault filter's `HTTPFault`
 * and the CORS filter's `CorsPolicy`, bare or inside a `FilterConfig` wrapper. Configuration for
 * filters the sidecar does not implement (Istio's mixer, for one) is skipped with a warning.
 */
export function filterConfigs(raw: unknown, at: string, p: Problems): ReadonlyMap<string, FilterConfigModel> | undefined {
  const entries = Object.entries(obj(raw));
  if (entries.length === 0) return undefined;
  const out = new Map<string, FilterConfigModel>();
  for (const [name, any] of entries) {
    const model = filterConfig(any, `${at}typed_per_filter_config[${name}].`, name, p);
    if (model) out.set(name, model);
  }
  return out.size > 0 ? out : undefined;
}

function filterConfig(any: unknown, at: string, name: string, p: Problems): FilterConfigModel | undefined {
  const typed = unpackTyped(any);
  if (!typed.ok) {
    p.warn(`${at.replace(/\.$/, '')}: ${typed.error}; the sidecar does not run filter ${name}, so its configuration is ignored`);
    return undefined;
  }
  switch (typed.typeUrl) {
    case ExtensionTypeUrls.FilterConfig: {
      if (typed.value['disabled'] === true) return { kind: 'disabled' };
      const inner = filterConfig(typed.value['config'], `${at}config.`, name, p);
      return inner;
    }
    case ExtensionTypeUrls.HTTPFault:
      return { kind: 'fault', fault: httpFault(typed.value, at, p) };
    case ExtensionTypeUrls.CorsPolicy:
    case ExtensionTypeUrls.RouteCorsPolicy:
      return { kind: 'cors', policy: corsPolicy(typed.value, at, p) };
    default:
      p.warn(`${at.replace(/\.$/, '')}: configuration of type ${typed.typeUrl} is not used by the sidecar`);
      return undefined;
  }
}

const UNSUPPORTED_FAULT_FIELDS = ['upstream_cluster', 'downstream_nodes', 'max_active_faults', 'response_rate_limit'];

/**
 * Envoy `HTTPFault` (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto):
 * a fixed delay and/or an abort (HTTP or gRPC status), each for a percentage of requests.
 * Header-controlled faults, rate limits and per-node/cluster scoping are refused.
 */
export function httpFault(raw: Record<string, unknown>, at: string, p: Problems): FaultModel {
  for (const f of UNSUPPORTED_FAULT_FIELDS) {
    if (isSet(raw[f]) || (typeof raw[f] === 'string' && raw[f]) || arr(raw[f]).length > 0) p.add(`${at}${f}`, `fault filter field ${f} is not supported by the sidecar`);
  }
  let delay: FaultModel['delay'];
  if (isSet(raw['delay'])) {
    const d = obj(raw['delay']);
    if (isSet(d['header_delay'])) p.add(`${at}delay.header_delay`, 'header-controlled delays are not supported by the sidecar');
    const ms = durationMs(d['fixed_delay']);
    if (ms === undefined && !isSet(d['header_delay'])) p.add(`${at}delay.fixed_delay`, 'a delay needs fixed_delay');
    delay = { ms: ms ?? 0, fraction: fraction(d['percentage'], 0) };
  }
  let abort: FaultModel['abort'];
  if (isSet(raw['abort'])) {
    const a = obj(raw['abort']);
    if (isSet(a['header_abort'])) p.add(`${at}abort.header_abort`, 'header-controlled aborts are not supported by the sidecar');
    const httpStatus = uint32Value(a['http_status']);
    const grpcStatus = uint32Value(a['grpc_status']);
    if (httpStatus !== undefined && (httpStatus < 200 || httpStatus >= 600)) p.add(`${at}abort.http_status`, `http_status ${httpStatus} is not in [200, 600)`);
    if (httpStatus === undefined && grpcStatus === undefined && !isSet(a['header_abort'])) p.add(`${at}abort`, 'an abort needs http_status or grpc_status');
    abort = { ...(httpStatus !== undefined ? { httpStatus } : {}), ...(grpcStatus !== undefined ? { grpcStatus } : {}), fraction: fraction(a['percentage'], 0) };
  }
  const headers = arr(raw['headers']).map((h, i) => headerMatch(obj(h), `${at}headers[${i}].`, p));
  return { ...(delay ? { delay } : {}), ...(abort ? { abort } : {}), headers };
}

/**
 * Envoy `CorsPolicy` (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/cors/v3/cors.proto),
 * also the deprecated `envoy.config.route.v3.CorsPolicy` with the same fields.
 */
export function corsPolicy(raw: Record<string, unknown>, at: string, p: Problems): CorsPolicyModel {
  const allowOrigins = arr(raw['allow_origin_string_match']).map((m, i) => stringMatch(obj(m), `${at}allow_origin_string_match[${i}].`, p));
  const opt = (k: string) => (typeof raw[k] === 'string' && raw[k] !== '' ? { [camel(k)]: raw[k] as string } : {});
  return {
    allowOrigins,
    ...opt('allow_methods'),
    ...opt('allow_headers'),
    ...opt('expose_headers'),
    ...opt('max_age'),
    allowCredentials: boolValue(raw['allow_credentials']) ?? false,
    allowPrivateNetworkAccess: boolValue(raw['allow_private_network_access']) ?? false,
    enabledFraction: runtimeFraction(raw['filter_enabled'], 1),
  };
}

function camel(k: string): string {
  return k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
