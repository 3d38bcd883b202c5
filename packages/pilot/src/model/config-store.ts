import type { ConfigResource, DestinationRuleSpec, VirtualServiceSpec } from '@mesh/shared-api';

/** The networking config kinds Pilot translates today. */
export type NetworkingKind = 'VirtualService' | 'DestinationRule';

/** A stored config object with its KV key and revision. */
export interface StoredConfig<S = Record<string, unknown>> {
  key: string;
  revision: number;
  resource: ConfigResource<S>;
}

/** What changed in the store: the KV keys touched (added, modified or removed). */
export interface ConfigChange {
  keys: string[];
}

/** Read access to the mesh's traffic config plus change notifications; implemented by every config source. */
export interface ConfigStore {
  virtualServices(): readonly ConfigResource<VirtualServiceSpec>[];
  destinationRules(): readonly ConfigResource<DestinationRuleSpec>[];
  /** Registers a listener; returns a function that removes it. */
  onChange(listener: (change: ConfigChange) => void): () => void;
}

/**
 * An in-memory {@link ConfigStore}: the cache a config source fills, and a fake for tests.
 * Lists are ordered oldest first (creationTimestamp, then revision, then namespace/name), the
 * order Istio uses to pick between conflicting objects.
 */
export class MemoryConfigStore implements ConfigStore {
  private readonly entries = new Map<string, StoredConfig & { kind: NetworkingKind }>();
  private readonly listeners = new Set<(change: ConfigChange) => void>();
  private cache: { vs: ConfigResource<VirtualServiceSpec>[]; dr: ConfigResource<DestinationRuleSpec>[] } | undefined;

  virtualServices(): readonly ConfigResource<VirtualServiceSpec>[] {
    return this.lists().vs;
  }

  destinationRules(): readonly ConfigResource<DestinationRuleSpec>[] {
    return this.lists().dr;
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of stored objects. */
  get size(): number {
    return this.entries.size;
  }

  /** Stores or replaces one object; an older revision than the stored one is ignored. */
  put(kind: NetworkingKind, entry: StoredConfig): void {
    const prev = this.entries.get(entry.key);
    if (prev && prev.revision >= entry.revision) return;
    this.entries.set(entry.key, { ...entry, kind });
    this.changed([entry.key]);
  }

  /** Removes one object; returns whether it was stored. */
  delete(key: string): boolean {
    if (!this.entries.delete(key)) return false;
    this.changed([key]);
    return true;
  }

  /**
   * Replaces the whole content (after a full reload): objects not in `next` are removed.
   * Notifies once, with every key whose object was added, changed or removed.
   */
  replaceAll(next: ReadonlyMap<string, StoredConfig & { kind: NetworkingKind }>): void {
    const touched: string[] = [];
    for (const key of this.entries.keys()) if (!next.has(key)) touched.push(key);
    for (const [key, e] of next) if (this.entries.get(key)?.revision !== e.revision) touched.push(key);
    this.entries.clear();
    for (const [key, e] of next) this.entries.set(key, e);
    if (touched.length > 0) this.changed(touched);
  }

  private changed(keys: string[]): void {
    this.cache = undefined;
    for (const l of this.listeners) l({ keys });
  }

  private lists(): NonNullable<MemoryConfigStore['cache']> {
    if (this.cache) return this.cache;
    const sorted = [...this.entries.values()].sort(compareAge);
    this.cache = {
      vs: sorted.filter((e) => e.kind === 'VirtualService').map((e) => e.resource as unknown as ConfigResource<VirtualServiceSpec>),
      dr: sorted.filter((e) => e.kind === 'DestinationRule').map((e) => e.resource as unknown as ConfigResource<DestinationRuleSpec>),
    };
    return this.cache;
  }
}

function compareAge(a: StoredConfig, b: StoredConfig): number {
  const ta = a.resource.metadata.creationTimestamp ?? '';
  const tb = b.resource.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.revision !== b.revision) return a.revision - b.revision;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
