import type { ConfigResource, KindInfo } from '@mesh/shared-api';

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

/**
 * Validated config objects, stored by kind, namespace and name. Objects passed in have already
 * been admitted; the store owns the server-managed metadata (resourceVersion, uid,
 * creationTimestamp, generation). Failures are `MeshError`s: NOT_FOUND, ALREADY_EXISTS, CONFLICT.
 */
export interface ConfigStore {
  get(kind: KindInfo, namespace: string, name: string): Promise<ConfigResource | undefined>;
  /** Every object of a kind in one namespace, or in all namespaces when `namespace` is undefined. */
  list(kind: KindInfo, namespace?: string): Promise<ConfigList>;
  create(kind: KindInfo, obj: ConfigResource): Promise<ConfigResource>;
  /** Replaces an existing object; compare-and-set on `metadata.resourceVersion` when it is given. */
  replace(kind: KindInfo, obj: ConfigResource): Promise<ConfigResource>;
  /** Deletes and returns the object as it was, with the deletion's resourceVersion. */
  delete(kind: KindInfo, namespace: string, name: string, preconditions?: DeletePreconditions): Promise<ConfigResource>;
}
