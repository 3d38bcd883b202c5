import type { Proxy } from '../model/proxy.js';
import type { EdsCluster } from '../translate/endpoints.js';
import { buildLoadAssignments, generateInbound, generateOutbound } from '../translate/generate.js';
import type { MeshIndex } from '../translate/mesh-index.js';
import { gatewaysFor, proxyScope, sidecarFor } from '../translate/scope.js';
import { combineTypes, encodeResources, encodeType, referencesOf, snapshotFromParts, snapshotInconsistencies } from './snapshot.js';
import type { EncodeCache, EncodedResources, EncodedType, References, Snapshot } from './snapshot.js';

/** The outbound part shared by the proxies of one scope, encoded once per push. */
interface SharedPart {
  encoded: EncodedResources;
  references: References;
  eds: EdsCluster[];
  problems: string[];
  /** The digests of the four types: equal digests, equal content. */
  digest: string;
}

/** A proxy's snapshot with what an EDS-only push of it needs later. */
export interface ProxySnapshot {
  snapshot: Snapshot;
  /** The scope the outbound part was shared by, and that part's digest. */
  scopeKey: string;
  partDigest: string;
  eds: EdsCluster[];
}

/**
 * One push's translation (Istio's PushContext, without the god object): proxies that see the mesh
 * alike — same type, namespace, Sidecar or Gateways, and the same values of the labels some
 * VirtualService matches `sourceLabels` on — share one translated and encoded outbound part; only
 * their inbound part is per proxy. EDS-only pushes re-encode load assignments once per scope.
 */
export class PushGenerator {
  private readonly parts = new Map<string, SharedPart>();
  private readonly edsParts = new Map<string, EncodedType>();
  private readonly labelKeys: string[];

  constructor(
    readonly index: MeshIndex,
    /** Encodings kept across pushes (most resources do not change from one push to the next). */
    private readonly cache?: EncodeCache,
  ) {
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

  /** Translates and encodes a proxy's resources into a snapshot (consistency checked once per scope). */
  snapshot(proxy: Proxy, changedAt: number): ProxySnapshot {
    const scopeKey = this.scopeKey(proxy);
    const part = this.part(proxy, scopeKey);
    const inbound = generateInbound(this.index, proxy);
    const inboundRefs = referencesOf(inbound);
    const snapshot = snapshotFromParts([part.encoded, encodeResources(inbound, this.cache)], { endpoints: [...part.references.endpoints, ...inboundRefs.endpoints], routes: [...part.references.routes, ...inboundRefs.routes] }, changedAt);
    // The inbound part references no EDS or RDS names (STATIC clusters, inline routes): the scope's check holds.
    snapshot.problems = inboundRefs.endpoints.length + inboundRefs.routes.length === 0 ? part.problems : snapshotInconsistencies(snapshot);
    return { snapshot, scopeKey, partDigest: part.digest, eds: part.eds };
  }

  /** A digest of the outbound part a proxy gets (translating its scope if this push has not yet). */
  partDigest(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, scopeKey = this.scopeKey(proxy)): string {
    return this.part(proxy, scopeKey).digest;
  }

  private part(proxy: Pick<Proxy, 'type' | 'namespace' | 'labels'>, scopeKey: string): SharedPart {
    let part = this.parts.get(scopeKey);
    if (!part) {
      const outbound = generateOutbound(this.index, proxy, proxyScope(this.index, proxy));
      const references = referencesOf(outbound.resources);
      const encoded = encodeResources(outbound.resources, this.cache);
      const digest = Object.values(encoded).map((e) => e.digest).join('.');
      part = { encoded, references, eds: outbound.eds, problems: snapshotInconsistencies({ types: encoded, references }), digest };
      this.parts.set(scopeKey, part);
    }
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
    return { snapshot, scopeKey: previous.scopeKey, partDigest: previous.partDigest, eds: previous.eds };
  }

  /** Number of distinct scopes translated so far (for logs and tests). */
  get scopes(): number {
    return this.parts.size;
  }
}
