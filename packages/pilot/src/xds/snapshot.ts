import { createHash } from 'node:crypto';
import { packAny, TypeUrls, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { AnyMessage, XdsResourceType } from '@mesh/shared-api';
import type { GeneratedResources, XdsResource } from '../translate/resources.js';
import { resourceName } from '../translate/resources.js';

/** One type's resources in a snapshot: encoded, in generation order, with a content version. */
export interface TypeSnapshot {
  /** A hash of the encoded resources: equal content, equal version (so an unchanged type is not resent). */
  version: string;
  names: string[];
  resources: AnyMessage[];
}

/**
 * Everything one proxy should have, per type (go-control-plane's Snapshot): built from translated
 * resources, published only when {@link snapshotInconsistencies} finds nothing.
 */
export interface Snapshot {
  types: Readonly<Record<XdsResourceType, TypeSnapshot>>;
  /** EDS names the clusters reference, and RDS names the listeners reference. */
  references: { endpoints: string[]; routes: string[] };
  /** When the change this snapshot reflects happened (ms since epoch; for convergence time). */
  changedAt: number;
}

/** Encodes translated resources into a snapshot and computes each type's version. */
export function buildSnapshot(generated: GeneratedResources, changedAt: number): Snapshot {
  const types = {} as Record<XdsResourceType, TypeSnapshot>;
  for (const type of XDS_PUSH_ORDER) {
    const list = generated[type];
    const resources = list.map((r) => packAny(TypeUrls[type], r));
    const hash = createHash('sha256');
    for (const any of resources) {
      hash.update(String(any.value.length)).update(':').update(any.value);
    }
    types[type] = { version: hash.digest('hex').slice(0, 16), names: list.map((r) => resourceName(type, r)), resources };
  }
  return {
    types,
    references: { endpoints: generated.Cluster.flatMap(edsReference), routes: generated.Listener.flatMap(rdsReferences) },
    changedAt,
  };
}

/**
 * go-control-plane's `Consistent()`: every EDS name the clusters reference has a
 * ClusterLoadAssignment and every RDS name the listeners reference has a RouteConfiguration, and no
 * CLA or RouteConfiguration is unreferenced. Returns the problems (empty when consistent).
 */
export function snapshotInconsistencies(s: Snapshot): string[] {
  const problems: string[] = [];
  const check = (what: string, refs: string[], names: string[]): void => {
    const have = new Set(names);
    const wanted = new Set(refs);
    for (const r of wanted) if (!have.has(r)) problems.push(`${what} "${r}" is referenced but not generated`);
    for (const n of have) if (!wanted.has(n)) problems.push(`${what} "${n}" is generated but not referenced`);
  };
  check('ClusterLoadAssignment', s.references.endpoints, s.types.ClusterLoadAssignment.names);
  check('RouteConfiguration', s.references.routes, s.types.RouteConfiguration.names);
  return problems;
}

function edsReference(cluster: XdsResource): string[] {
  if (cluster['type'] !== 'EDS') return [];
  const cfg = cluster['eds_cluster_config'] as { service_name?: string } | undefined;
  return [cfg?.service_name || String(cluster['name'])];
}

function rdsReferences(listener: XdsResource): string[] {
  const chains = (listener['filter_chains'] as { filters?: { typed_config?: { rds?: { route_config_name?: string } } }[] }[] | undefined) ?? [];
  return chains.flatMap((c) => (c.filters ?? []).map((f) => f.typed_config?.rds?.route_config_name).filter((n): n is string => typeof n === 'string'));
}
