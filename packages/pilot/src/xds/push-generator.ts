import { XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { XdsResourceType } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import type { EdsCluster } from '../translate/endpoints.js';
import { buildLoadAssignments, generateInbound, generateOutbound } from '../translate/generate.js';
import type { MeshIndex } from '../translate/mesh-index.js';
import { gatewaysFor, proxyScope, sidecarFor } from '../translate/scope.js';
import { PartValidator, recordingIndex, scopeInputs } from './part-store.js';
import type { PartInputs, PartStore } from './part-store.js';
import { combineTypes, encodeResources, encodeType, referencesOf, snapshotInconsistencies } from './snapshot.js';
import type { EncodeCache, EncodedResources, EncodedType, References, Snapshot, TypeSnapshot } from './snapshot.js';

/** The outbound part shared by the proxies of one scope, encoded once per push and kept while its inputs stay the same. */
export interface SharedPart {
  encoded: EncodedResources;
  references: References;
  eds: EdsCluster[];
  problems: string[];
  /** The digests of the four types: equal digests, equal content. */
  digest: string;
  /** What its translation read (a later push reuses the part while these come out the same). */
  inputs: PartInputs;
}

/** A proxy's own part: its inbound resources, encoded. */
interface InboundPart {
  encoded: EncodedResources;
  references: References;
}

/** A proxy's snapshot with what later pushes of it need. */
export interface ProxySnapshot {
  snapshot: Snapshot;
  /** The scope the outbound part was shared by, and that part's digest. */
  scopeKey: string;
  partDigest: string;
  eds: EdsCluster[];
  /** The proxy's own part (a push that changed nothing it depends on reuses it). */
  inbound: InboundPart;
  /** Per type, the digests of the parts its resources were combined from (or of parts that combine into the same). */
  sources: Record<XdsResourceType, string>;
}

/**
 * One push's translation (Istio's PushContext, without the god object): proxies that see the mesh
 * alike — same type, namespace, Sidecar or Gateways, and the same values of the labels some
 * VirtualService matches `sourceLabels` on — share one translated and encoded outbound part; only
 * their inbound part is per proxy. EDS-only pushes re-encode load assignments once per scope.
 * With a {@link PartStore}, a scope translated by an earlier push whose inputs are unchanged is
 * not translated again (a config write re-translates the scopes that see it, not the mesh).
 */
export class PushGenerator {
  private readonly parts = new Map<string, SharedPart>();
  private readonly edsParts = new Map<string, EncodedType>();
  private readonly labelKeys: string[];
  private readonly epoch: number;
  private validator: PartValidator | undefined;

  constructor(
    readonly index: MeshIndex,
    /** Encodings kept across pushes (most resources do not change from one push to the next). */
    private readonly cache?: EncodeCache,
    /** Parts kept across pushes (cleared by the owner when something outside their recorded inputs changed). */
    private readonly store?: PartStore<SharedPart>,
  ) {
    this.epoch = store?.epoch ?? 0;
    const keys = new Set<string>();
    for (const vs of index.configs('VirtualService')) {
      for (const m of [...(vs.spec.http ?? []).flatMap((r) => r.match ?? []), ...(vs.spec.tcp ?? []).flatMap((r) => r.match ?? []), ...(vs.spec.tls ?? []).flatMap((r) => r.match ?? [])]) {
        for (const k of Object.keys(m?.sourceLabels ?? {})) keys.add(k);
      }
    }
    this.labelKeys = [...keys].sort();
  }

  /** The key of the proxies that share an outbound part with this one. */
  scopeKey(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>): string {
    const selector = proxy.type === 'router' ? gatewaysFor(this.index, proxy).map((g) => `${g.metadata.namespace}/${g.metadata.name}`).join(',') : (sidecarFor(this.index, proxy)?.metadata.name ?? '');
    const labels = this.labelKeys.map((k) => `${k}=${proxy.labels[k] ?? '\u0000'}`).join(',');
    return `${proxy.type}|${proxy.namespace}|${selector}|${labels}`;
  }

  /**
   * Translates and encodes a proxy's resources into a snapshot (consistency checked once per
   * scope). With its `previous` snapshot, types made of the same parts are kept as they were; with
   * `sameInbound`, its own part is too (the caller knows nothing it depends on changed).
   */
  snapshot(proxy: Proxy, changedAt: number, previous?: ProxySnapshot, sameInbound = false): ProxySnapshot {
    const scopeKey = this.scopeKey(proxy);
    const part = this.part(proxy, scopeKey);
    const inbound = previous && sameInbound ? previous.inbound : this.inbound(proxy);
    const types = {} as Record<XdsResourceType, TypeSnapshot>;
    const sources = {} as Record<XdsResourceType, string>;
    for (const type of XDS_PUSH_ORDER) {
      sources[type] = `${part.encoded[type].digest}|${inbound.encoded[type].digest}`;
      types[type] = previous?.sources[type] === sources[type] ? previous.snapshot.types[type] : combineTypes([part.encoded[type], inbound.encoded[type]]);
    }
    const own = inbound.references;
    const references = own.endpoints.length + own.routes.length === 0 ? part.references : { endpoints: [...part.references.endpoints, ...own.endpoints], routes: [...part.references.routes, ...own.routes] };
    const snapshot: Snapshot = { types, references, changedAt };
    // The inbound part references no EDS or RDS names (STATIC clusters, inline routes): the scope's check holds.
    snapshot.problems = references === part.references ? part.problems : snapshotInconsistencies(snapshot);
    return { snapshot, scopeKey, partDigest: part.digest, eds: part.eds, inbound, sources };
  }

  private inbound(proxy: Proxy): InboundPart {
    const generated = generateInbound(this.index, proxy);
    return { encoded: encodeResources(generated, this.cache), references: referencesOf(generated) };
  }

  /**
   * Whether this push would give a proxy exactly what `previous` holds, its own part unchanged:
   * same scope, and every type made of parts with the same digests (translating the scope if this
   * push has not yet).
   */
  sameAs(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, previous: ProxySnapshot, scopeKey = this.scopeKey(proxy)): boolean {
    if (scopeKey !== previous.scopeKey) return false;
    const part = this.part(proxy, scopeKey);
    return XDS_PUSH_ORDER.every((type) => previous.sources[type] === `${part.encoded[type].digest}|${previous.inbound.encoded[type].digest}`);
  }

  /** A digest of the outbound part a proxy gets (translating its scope if this push has not yet). */
  partDigest(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, scopeKey = this.scopeKey(proxy)): string {
    return this.part(proxy, scopeKey).digest;
  }

  private part(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, scopeKey: string): SharedPart {
    let part = this.parts.get(scopeKey);
    if (part) return part;
    const kept = this.store?.get(this.epoch, scopeKey);
    if (kept && (this.validator ??= new PartValidator(this.index)).unchanged(proxy, kept.inputs)) {
      this.store!.hits++;
      // Its encodings stay in the cache: a later re-translation of the scope re-encodes only what changed.
      this.cache?.retain(kept.encoded);
      part = kept;
    } else {
      if (this.store) this.store.misses++;
      const scope = proxyScope(this.index, proxy);
      const inputs = scopeInputs(this.index, scope);
      const index = this.store ? recordingIndex(this.index, inputs) : this.index;
      const outbound = generateOutbound(index, proxy, scope);
      const references = referencesOf(outbound.resources);
      const encoded = encodeResources(outbound.resources, this.cache);
      const digest = Object.values(encoded).map((e) => e.digest).join('.');
      part = { encoded, references, eds: outbound.eds, problems: snapshotInconsistencies({ types: encoded, references }), digest, inputs };
      this.store?.set(this.epoch, scopeKey, part);
    }
    this.parts.set(scopeKey, part);
    return part;
  }

  /**
   * An EDS-only update of a previous snapshot: the same clusters, listeners and routes, load
   * assignments recomputed from this push's endpoints (once per scope).
   */
  edsSnapshot(previous: ProxySnapshot, changedAt: number): ProxySnapshot {
    let cla = this.edsParts.get(previous.scopeKey);
    if (!cla) {
      cla = encodeType('ClusterLoadAssignment', buildLoadAssignments(this.index, previous.eds), this.cache);
      this.edsParts.set(previous.scopeKey, cla);
    }
    const prev = previous.snapshot;
    const snapshot: Snapshot = { types: { ...prev.types, ClusterLoadAssignment: combineTypes([cla]) }, references: prev.references, changedAt, problems: [] };
    // The inbound part has no load assignments: this is what combining `cla` with it gives.
    return { ...previous, snapshot, sources: { ...previous.sources, ClusterLoadAssignment: `${cla.digest}|${previous.inbound.encoded.ClusterLoadAssignment.digest}` } };
  }

  /** Number of distinct scopes translated so far (for logs and tests). */
  get scopes(): number {
    return this.parts.size;
  }
}
