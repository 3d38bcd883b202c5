import type { ConfigResource } from '@mesh/shared-api';

/**
 * Ownership of stored objects. Every object in the config bucket has exactly one owner: the
 * source named by its `galley.mesh.io/source` annotation, or the API when it has none. A source
 * creates objects that do not exist yet and changes or deletes only objects it owns; objects owned
 * by anyone else are left alone (logged and counted as conflicts) — first writer wins.
 */
export const SOURCE_ANNOTATION = 'galley.mesh.io/source';

/** The file (relative to `MESH_GALLEY_CONFIG_DIR`) a directory-sourced object came from. */
export const SOURCE_FILE_ANNOTATION = 'galley.mesh.io/source-file';

/** The sources that write into the bucket besides the API. */
export type SourceName = 'kubernetes' | 'directory';

/** The owner of objects without a source annotation. */
export const API_OWNER = 'api';

/** Who wrote an object: a source, plus the file for the directory source. */
export interface Origin {
  readonly source: SourceName;
  /** Set for the directory source: the object belongs to this file only. */
  readonly file?: string;
}

/** The annotations that record an origin on a stored object. */
export function originAnnotations(origin: Origin): Record<string, string> {
  return origin.file === undefined ? { [SOURCE_ANNOTATION]: origin.source } : { [SOURCE_ANNOTATION]: origin.source, [SOURCE_FILE_ANNOTATION]: origin.file };
}

/** The owner of a stored object: `kubernetes`, `directory` (with its file), or `api`. */
export function ownerOf(obj: Pick<ConfigResource, 'metadata'>): string {
  const a = obj.metadata.annotations ?? {};
  const source = a[SOURCE_ANNOTATION];
  if (!source) return API_OWNER;
  const file = a[SOURCE_FILE_ANNOTATION];
  return file ? `${source} (${file})` : source;
}

/** True when `origin` may change or delete `obj` (same source and, for files, the same file). */
export function isOwnedBy(obj: Pick<ConfigResource, 'metadata'>, origin: Origin): boolean {
  const a = obj.metadata.annotations ?? {};
  if (a[SOURCE_ANNOTATION] !== origin.source) return false;
  return origin.file === undefined || a[SOURCE_FILE_ANNOTATION] === origin.file;
}
