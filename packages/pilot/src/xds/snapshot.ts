import { createHash } from 'node:crypto';
import { packAny, TypeUrls, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { AnyMessage, XdsResourceType } from '@mesh/shared-api';
import type { GeneratedResources, XdsResource } from '../translate/resources.js';
import { resourceName } from '../translate/resources.js';
import { ensureExtensionProtos } from './extension-protos.js';

/** Encoded resources of one type, in generation order, each with a content hash. */
export interface EncodedType {
  names: string[];
  resources: AnyMessage[];
  /** Per resource: a hash of its encoding (lets a stream send only the EDS/RDS resources that changed). */
  hashes: string[];
  /** A hash of `hashes` (computed once per part, so combining parts stays cheap). */
  digest: string;
  /** The {@link EncodeCache} keys of the resources, when encoded through one (see {@link EncodeCache.retain}). */
  keys?: string[];
}

/** One type's resources in a snapshot, with a content version. */
export interface TypeSnapshot extends Omit<EncodedType, 'digest' | 'keys'> {
  /** A hash of the encoded resources: equal content, equal version (so an unchanged type is not resent). */
  version: string;
}

/** References of clusters and listeners: the EDS and RDS names they use. */
export interface References {
  endpoints: string[];
  routes: string[];
}

/**
 * Everything one proxy should have, per type (go-control-plane's Snapshot): built from translated
 * resources, published only when {@link snapshotInconsistencies} finds nothing.
 */
export interface Snapshot {
  types: Readonly<Record<XdsResourceType, TypeSnapshot>>;
  references: References;
  /** When the change this snapshot reflects happened (ms since epoch; for convergence time). */
  changedAt: number;
  /** Set by a builder that already checked consistency (the cache then skips the check). */
  problems?: string[];
}

/** Encoded resources of every type (a part of a snapshot: the shared outbound part, or a proxy's inbound part). */
export type EncodedResources = Record<XdsResourceType, EncodedType>;

/**
 * Encodings of resources by content, kept across pushes: a push re-translates every scope, but
 * most resources come out as they were, and encoding dominates the cost of a push. Entries not
 * used during a push are dropped at the next {@link EncodeCache.rotate} (two generations).
 */
export class EncodeCache {
  /** Per type: the encodings used since the last rotation, and those used in the one before. */
  private readonly generations = new Map<XdsResourceType, { current: Map<string, CachedEncoding>; previous: Map<string, CachedEncoding> }>();
  hits = 0;
  misses = 0;

  /** The Any and hash of a resource, encoded at most once while it keeps being used. */
  encode(type: XdsResourceType, r: XdsResource): CachedEncoding {
    const key = `${type}\u0000${JSON.stringify(r)}`;
    const g = this.generation(type);
    let e = g.current.get(key);
    if (e) {
      this.hits++;
      return e;
    }
    e = g.previous.get(key);
    if (e) this.hits++;
    else {
      this.misses++;
      const any = packAny(TypeUrls[type], r);
      e = { any, hash: createHash('sha1').update(any.value).digest('base64'), key };
    }
    g.current.set(key, e);
    return e;
  }

  /** Marks encodings as used by this push without encoding anything (a part reused as a whole). */
  retain(parts: Readonly<Record<XdsResourceType, EncodedType>>): void {
    for (const type of XDS_PUSH_ORDER) {
      const g = this.generation(type);
      for (const key of parts[type].keys ?? []) {
        if (g.current.has(key)) continue;
        const e = g.previous.get(key);
        if (e) g.current.set(key, e);
      }
    }
  }

  /**
   * Ends a push: what it did not use is forgotten after the next one. An EDS-only push rotates
   * only load assignments (it encodes nothing else, and must not evict what full pushes use).
   */
  rotate(types: readonly XdsResourceType[] = XDS_PUSH_ORDER): void {
    for (const type of types) {
      const g = this.generation(type);
      g.previous = g.current;
      g.current = new Map();
    }
  }

  private generation(type: XdsResourceType): { current: Map<string, CachedEncoding>; previous: Map<string, CachedEncoding> } {
    let g = this.generations.get(type);
    if (!g) this.generations.set(type, (g = { current: new Map(), previous: new Map() }));
    return g;
  }
}

interface CachedEncoding {
  any: AnyMessage;
  hash: string;
  key: string;
}

function digestOf(hashes: readonly string[]): string {
  const h = createHash('sha256');
  for (const x of hashes) h.update(x).update('|');
  return h.digest('hex').slice(0, 16);
}

/** Encodes one type's resources and hashes each (through `cache` when given). */
export function encodeType(type: XdsResourceType, list: readonly XdsResource[], cache?: EncodeCache): EncodedType {
  ensureExtensionProtos();
  const resources: AnyMessage[] = [];
  const hashes: string[] = [];
  const keys: string[] = [];
  for (const r of list) {
    if (cache) {
      const e = cache.encode(type, r);
      resources.push(e.any);
      hashes.push(e.hash);
      keys.push(e.key);
    } else {
      const any = packAny(TypeUrls[type], r);
      resources.push(any);
      hashes.push(createHash('sha1').update(any.value).digest('base64'));
    }
  }
  return { names: list.map((r) => resourceName(type, r)), resources, hashes, digest: digestOf(hashes), ...(cache ? { keys } : {}) };
}

/** Encodes every type of translated resources. */
export function encodeResources(generated: Partial<GeneratedResources>, cache?: EncodeCache): EncodedResources {
  const out = {} as EncodedResources;
  for (const type of XDS_PUSH_ORDER) out[type] = encodeType(type, generated[type] ?? [], cache);
  return out;
}

/** Concatenates encoded parts of one type; the version is a hash of the parts' digests. */
export function combineTypes(parts: readonly EncodedType[]): TypeSnapshot {
  const nonEmpty = parts.filter((p) => p.names.length > 0);
  // One part with content (the inbound part is often empty): share its arrays, copying nothing.
  if (parts.length === 1 || nonEmpty.length <= 1) {
    const p = nonEmpty[0] ?? parts[0];
    if (p) return { version: p.digest, names: p.names, resources: p.resources, hashes: p.hashes };
  }
  const h = createHash('sha256');
  for (const p of nonEmpty) h.update(p.digest).update('|');
  return {
    version: nonEmpty.length === 1 ? nonEmpty[0]!.digest : h.digest('hex').slice(0, 16),
    names: parts.flatMap((p) => p.names),
    resources: parts.flatMap((p) => p.resources),
    hashes: parts.flatMap((p) => p.hashes),
  };
}

/** The EDS and RDS names the clusters and listeners reference. */
export function referencesOf(generated: Partial<GeneratedResources>): References {
  return { endpoints: (generated.Cluster ?? []).flatMap(edsReference), routes: (generated.Listener ?? []).flatMap(rdsReferences) };
}

/** Builds a snapshot from encoded parts (outbound first), with their references. */
export function snapshotFromParts(parts: readonly EncodedResources[], references: References, changedAt: number): Snapshot {
  const types = {} as Record<XdsResourceType, TypeSnapshot>;
  for (const type of XDS_PUSH_ORDER) types[type] = combineTypes(parts.map((p) => p[type]));
  return { types, references, changedAt };
}

/** Encodes translated resources into a snapshot and computes each type's version. */
export function buildSnapshot(generated: GeneratedResources, changedAt: number): Snapshot {
  return snapshotFromParts([encodeResources(generated)], referencesOf(generated), changedAt);
}

/**
 * go-control-plane's `Consistent()`: every EDS name the clusters reference has a
 * ClusterLoadAssignment and every RDS name the listeners reference has a RouteConfiguration, and no
 * CLA or RouteConfiguration is unreferenced. Returns the problems (empty when consistent).
 */
export function snapshotInconsistencies(s: { types: Readonly<Record<'ClusterLoadAssignment' | 'RouteConfiguration', { names: readonly string[] }>>; references: References }): string[] {
  const problems: string[] = [];
  const check = (what: string, refs: readonly string[], names: readonly string[]): void => {
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
  type Hcm = { typed_config?: { rds?: { route_config_name?: string } } };
  const chains = (listener['filter_chains'] as { filters?: Hcm[] }[] | undefined) ?? [];
  const filters = chains.flatMap((c) => c.filters ?? []);
  // A proxyless client's api_listener holds the HTTP connection manager directly.
  const api = (listener['api_listener'] as { api_listener?: Hcm['typed_config'] } | undefined)?.api_listener;
  if (api) filters.push({ typed_config: api });
  return filters.map((f) => f.typed_config?.rds?.route_config_name).filter((n): n is string => typeof n === 'string');
}
