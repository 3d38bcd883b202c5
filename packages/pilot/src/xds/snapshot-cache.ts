import type { Snapshot } from './snapshot.js';
import { snapshotInconsistencies } from './snapshot.js';

/** The outcome of publishing a snapshot. */
export type SetSnapshotResult = { ok: true } | { ok: false; problems: string[] };

/**
 * Per-proxy snapshots and their watchers (go-control-plane's SnapshotCache, without gRPC): decides
 * *what* each proxy should have; streams decide *when* to send it. Keyed by the id of the xDS stream
 * the proxy is connected on.
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watchers = new Map<string, Set<(s: Snapshot) => void>>();

  /** Publishes a snapshot if it is consistent and notifies the key's watchers; an inconsistent one is refused and the previous kept. */
  set(key: string, snapshot: Snapshot): SetSnapshotResult {
    const problems = snapshot.problems ?? snapshotInconsistencies(snapshot);
    if (problems.length > 0) return { ok: false, problems };
    this.snapshots.set(key, snapshot);
    for (const w of this.watchers.get(key) ?? []) w(snapshot);
    return { ok: true };
  }

  /** The current snapshot of a key. */
  get(key: string): Snapshot | undefined {
    return this.snapshots.get(key);
  }

  /** Forgets a key's snapshot and watchers. */
  clear(key: string): void {
    this.snapshots.delete(key);
    this.watchers.delete(key);
  }

  /** Calls `fn` on every snapshot published for `key`; returns a function that stops it. */
  watch(key: string, fn: (s: Snapshot) => void): () => void {
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Keys with a snapshot. */
  keys(): string[] {
    return [...this.snapshots.keys()];
  }
}
