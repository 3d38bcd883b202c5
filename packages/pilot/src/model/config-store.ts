import type { ConfigResource } from '@mesh/shared-api';
import type { PilotKind, PilotKindSpecs } from './kinds.js';

/** A stored config object with its KV key and revision. */
export interface StoredConfig<S = object> {
  key: string;
  revision: number;
  resource: ConfigResource<S>;
}

/** What changed in the store: the KV keys touched (added, modified or removed) and their kinds. */
export interface ConfigChange {
  keys: string[];
  kinds: PilotKind[];
}

/** Read access to the mesh's config plus change notifications; implemented by every config source. */
export interface ConfigStore {
  /** The objects of one kind, oldest first. */
  list<K extends PilotKind>(kind: K): readonly ConfigResource<PilotKindSpecs[K]>[];
  /** Registers a listener; returns a function that removes it. */
  onChange(listener: (change: ConfigChange) => void): () => void;
}

type Entry = StoredConfig & { kind: PilotKind };

/**
 * An in-memory {@link ConfigStore}: the cache a config source fills, and a fake for tests.
 * Lists are ordered oldest first (creationTimestamp, then revision, then key), the order Istio
 * uses to pick between conflicting objects.
 */
export class MemoryConfigStore implements ConfigStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(change: ConfigChange) => void>();
  private cache: Map<PilotKind, ConfigResource<object>[]> | undefined;

  list<K extends PilotKind>(kind: K): readonly ConfigResource<PilotKindSpecs[K]>[] {
    return (this.lists().get(kind) ?? []) as unknown as ConfigResource<PilotKindSpecs[K]>[];
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
  put(kind: PilotKind, entry: StoredConfig): void {
    const prev = this.entries.get(entry.key);
    if (prev && prev.revision >= entry.revision) return;
    this.entries.set(entry.key, { ...entry, kind });
    this.changed([entry.key], [kind, ...(prev && prev.kind !== kind ? [prev.kind] : [])]);
  }

  /** Removes one object; returns whether it was stored. */
  delete(key: string): boolean {
    const prev = this.entries.get(key);
    if (!prev) return false;
    this.entries.delete(key);
    this.changed([key], [prev.kind]);
    return true;
  }

  /**
   * Replaces the whole content (after a full reload): objects not in `next` are removed.
   * Notifies once, with every key whose object was added, changed or removed.
   */
  replaceAll(next: ReadonlyMap<string, Entry>): void {
    const touched: string[] = [];
    const kinds = new Set<PilotKind>();
    for (const [key, e] of this.entries) {
      if (!next.has(key)) {
        touched.push(key);
        kinds.add(e.kind);
      }
    }
    for (const [key, e] of next) {
      if (this.entries.get(key)?.revision !== e.revision) {
        touched.push(key);
        kinds.add(e.kind);
      }
    }
    this.entries.clear();
    for (const [key, e] of next) this.entries.set(key, e);
    if (touched.length > 0) this.changed(touched, [...kinds]);
  }

  private changed(keys: string[], kinds: PilotKind[]): void {
    this.cache = undefined;
    for (const l of this.listeners) l({ keys, kinds: [...new Set(kinds)] });
  }

  private lists(): Map<PilotKind, ConfigResource<object>[]> {
    if (this.cache) return this.cache;
    const byKind = new Map<PilotKind, ConfigResource<object>[]>();
    for (const e of [...this.entries.values()].sort(compareAge)) {
      let list = byKind.get(e.kind);
      if (!list) byKind.set(e.kind, (list = []));
      list.push(e.resource);
    }
    this.cache = byKind;
    return byKind;
  }
}

function compareAge(a: StoredConfig, b: StoredConfig): number {
  const ta = a.resource.metadata.creationTimestamp ?? '';
  const tb = b.resource.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.revision !== b.revision) return a.revision - b.revision;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
