import type { ConfigEventType, ConfigResource, KindInfo } from '@mesh/shared-api';

/** A list of stored objects and the store revision it reflects (Kubernetes list semantics). */
export interface ConfigList {
  readonly items: ConfigResource[];
  /** The store revision at or before which the list was read; a watch from here misses nothing. */
  readonly resourceVersion: string;
}

/** Conditions a delete must meet (Kubernetes `DeleteOptions.preconditions`). */
export interface DeletePreconditions {
  readonly resourceVersion?: string;
  readonly uid?: string;
}

/** How a write is made. */
export interface WriteOptions {
  /** Check everything a real write would, but write and announce nothing (Kubernetes `dryRun=All`). */
  readonly dryRun?: boolean;
  /** Tags the write with an atomic-apply batch id, so recovery can find the batch's writes. */
  readonly batch?: string;
  /** Create only: the key's last revision must be exactly this (0 = never written); CONFLICT otherwise. */
  readonly expectedRevision?: number;
  /**
   * Replace only: the object as the caller just read it (with its resourceVersion), saving the
   * store a read; the write is still a compare-and-set on that revision.
   */
  readonly current?: ConfigResource;
}

/** One change seen by a watch: the object after it (before it, for DELETED) with its resourceVersion. */
export interface StoreWatchEvent {
  readonly type: ConfigEventType;
  readonly key: string;
  readonly revision: number;
  readonly object: ConfigResource;
}

/** Where a watch starts: the current state first (`snapshot`), or the changes after a revision. */
export type WatchStart = { readonly snapshot: true } | { readonly afterRevision: number };

/** A running watch: events in revision order until it is stopped or the store connection drops. */
export interface StoreWatch extends AsyncIterable<StoreWatchEvent> {
  /** Ends the watch; the iterator finishes. Idempotent. */
  stop(): void;
}

/** The revisions a watch can still start from: `first` is the oldest the stream holds, `last` the newest. */
export interface RevisionWindow {
  readonly first: number;
  readonly last: number;
}

/**
 * Validated config objects, stored by kind, namespace and name. Objects passed in have already
 * been admitted; the store owns the server-managed metadata (resourceVersion, uid,
 * creationTimestamp, generation). Failures are `MeshError`s: NOT_FOUND, ALREADY_EXISTS, CONFLICT,
 * UNAVAILABLE. Cluster-scoped kinds ignore the namespace.
 */
export interface ConfigStore {
  get(kind: KindInfo, namespace: string | undefined, name: string): Promise<ConfigResource | undefined>;
  /**
   * The object as this store last wrote it, when it still remembers that write; otherwise as
   * {@link get} reads it. May be stale (another replica may have written since): only for a write
   * that compare-and-sets on its resourceVersion and reads again when that fails (PATCH).
   */
  recent(kind: KindInfo, namespace: string | undefined, name: string): Promise<ConfigResource | undefined>;
  /** Every object of a kind in one namespace, or in all namespaces when `namespace` is undefined. */
  list(kind: KindInfo, namespace?: string): Promise<ConfigList>;
  create(kind: KindInfo, obj: ConfigResource, opts?: WriteOptions): Promise<ConfigResource>;
  /** Replaces an existing object; compare-and-set on `metadata.resourceVersion` when it is given. */
  replace(kind: KindInfo, obj: ConfigResource, opts?: WriteOptions): Promise<ConfigResource>;
  /** Deletes and returns the object as it was, with the deletion's resourceVersion. */
  delete(kind: KindInfo, namespace: string | undefined, name: string, preconditions?: DeletePreconditions, opts?: WriteOptions): Promise<ConfigResource>;
  /** Follows changes of a kind (in one namespace, or all). */
  watch(kind: KindInfo, namespace: string | undefined, start: WatchStart): Promise<StoreWatch>;
  /** The range of revisions the store still holds (for `410 Expired` decisions). */
  revisionWindow(): Promise<RevisionWindow>;
}
