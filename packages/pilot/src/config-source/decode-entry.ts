import { CLUSTER_SCOPE_TOKEN, parseConfigKey } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { pilotKindOf } from '../model/kinds.js';
import type { PilotKind } from '../model/kinds.js';

/** What one KV entry means to Pilot. */
export type DecodedEntry =
  | { type: 'put'; kind: PilotKind; key: string; revision: number; resource: ConfigResource }
  | { type: 'delete'; key: string; revision: number }
  | { type: 'skip'; key: string; reason: string; untranslated: boolean };

/**
 * Decodes one entry of the config bucket (key layout: `configKey()` in shared-api). DEL and PURGE
 * operations are deletes; kinds Pilot does not translate, malformed keys and undecodable values are
 * skipped with a reason (a value Galley validated should never be undecodable).
 */
export function decodeConfigEntry(entry: { key: string; revision: number; operation: 'PUT' | 'DEL' | 'PURGE'; value: Uint8Array }): DecodedEntry {
  const { key, revision } = entry;
  const parsed = parseConfigKey(key);
  if (!parsed) return { type: 'skip', key, reason: 'key is not <group>.<plural>.<namespace>.<name>', untranslated: false };
  const kind = pilotKindOf(parsed.group, parsed.plural);
  if (!kind) return { type: 'skip', key, reason: `kind ${parsed.group}/${parsed.plural} is not translated by Pilot`, untranslated: true };
  if (entry.operation !== 'PUT') return { type: 'delete', key, revision };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(entry.value).toString('utf8'));
  } catch (err) {
    return { type: 'skip', key, reason: `value is not JSON: ${(err as Error).message}`, untranslated: false };
  }
  if (typeof value !== 'object' || value === null || typeof (value as ConfigResource).spec !== 'object' || (value as ConfigResource).spec === null) {
    return { type: 'skip', key, reason: 'value is not a config object with a spec', untranslated: false };
  }
  const resource = value as ConfigResource;
  // The key is authoritative for identity; metadata is filled in where a writer left it out.
  const namespace = parsed.namespace === CLUSTER_SCOPE_TOKEN ? undefined : parsed.namespace;
  resource.metadata = { ...resource.metadata, name: parsed.name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision) };
  resource.kind ??= kind;
  return { type: 'put', kind, key, revision, resource };
}
