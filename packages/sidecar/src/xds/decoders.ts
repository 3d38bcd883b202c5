import { messageNameOf, TypeUrls, unpackAny, xdsRoot } from '@mesh/shared-api';
import type { AnyMessage, FieldViolation, ValidationResult, XdsResourceType } from '@mesh/shared-api';
import type { ClusterModel, ListenerModel, LoadAssignmentModel, RouteConfigurationModel } from '../routing/model.js';
import { decodeCluster } from './decode/cluster.js';
import { decodeClusterLoadAssignment } from './decode/cluster-load-assignment.js';
import { decodeListener } from './decode/listener.js';
import { decodeRouteConfiguration } from './decode/route-configuration.js';

/** The sidecar model each xDS resource type decodes to. */
export interface ModelByType {
  Listener: ListenerModel;
  RouteConfiguration: RouteConfigurationModel;
  Cluster: ClusterModel;
  ClusterLoadAssignment: LoadAssignmentModel;
}

/** One accepted resource: its name, the model the proxy uses, and a JSON view for /config_dump. */
export interface DecodedResource<T> {
  readonly name: string;
  readonly model: T;
  readonly dump: unknown;
}

type Decoder<T> = (raw: Record<string, unknown>) => ValidationResult<T>;

/** One decoder per type URL; each returns a result union and never throws. */
const DECODERS: { [K in XdsResourceType]: Decoder<ModelByType[K]> } = {
  Listener: decodeListener,
  RouteConfiguration: decodeRouteConfiguration,
  Cluster: decodeCluster,
  ClusterLoadAssignment: decodeClusterLoadAssignment,
};

function nameOf(type: XdsResourceType, model: ModelByType[XdsResourceType]): string {
  return type === 'ClusterLoadAssignment' ? (model as LoadAssignmentModel).clusterName : (model as { name: string }).name;
}

/**
 * Decodes every resource of one DiscoveryResponse. State of the world is all or nothing
 * (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-and-nack-semantics):
 * one bad resource, or two resources with the same name, fails the whole response.
 */
export function decodeResources<K extends XdsResourceType>(type: K, resources: readonly AnyMessage[]): ValidationResult<Array<DecodedResource<ModelByType[K]>>> {
  const errors: FieldViolation[] = [];
  const warnings: string[] = [];
  const out: Array<DecodedResource<ModelByType[K]>> = [];
  const seen = new Set<string>();
  for (const [i, any] of resources.entries()) {
    if (any.type_url !== TypeUrls[type]) {
      errors.push({ field: `${type} resources[${i}]`, message: `type_url ${any.type_url} in a ${type} response` });
      continue;
    }
    let raw: Record<string, unknown>;
    try {
      raw = unpackAny(any);
    } catch (err) {
      errors.push({ field: `${type} resources[${i}]`, message: `cannot decode: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const result = (DECODERS[type] as Decoder<ModelByType[K]>)(raw);
    const label = `${type} ${str(raw['name'] ?? raw['cluster_name']) || `resources[${i}]`}`;
    if (!result.ok) {
      for (const e of result.errors) errors.push({ field: e.field ? `${label} ${e.field}` : label, message: e.message });
      continue;
    }
    warnings.push(...result.warnings);
    const name = nameOf(type, result.value);
    if (seen.has(name)) {
      errors.push({ field: label, message: 'the response holds two resources with this name' });
      continue;
    }
    seen.add(name);
    out.push({ name, model: result.value, dump: dumpView(any) });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out, warnings };
}

/** The text of a NACK's `error_detail.message`: every problem, bounded in size. */
export function nackMessage(errors: readonly FieldViolation[], limit = 4096): string {
  const text = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return text.length > limit ? `${text.slice(0, limit - 20)} … (${errors.length} problems)` : text;
}

/** Envoy-style JSON of a resource (nested Any expanded with `@type`), as /config_dump shows it. */
function dumpView(any: AnyMessage): unknown {
  const t = xdsRoot().lookupType(messageNameOf(any.type_url));
  return t.toObject(t.decode(any.value), { json: true, enums: String, longs: String });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
