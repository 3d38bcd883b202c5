import { kindByApiVersion, KINDS, MeshError, splitApiVersion } from '@mesh/shared-api';
import { admitObject } from '../validation/admit-object.js';
import { isNamespaceName } from '../validation/names.js';
import type { PreparedDocument } from './atomic-apply.js';

/** Documents one apply may hold (its journal must fit in one NATS message). */
export const MAX_APPLY_DOCUMENTS = 1000;

/** Who a document names, as far as it could be read (for per-document answers). */
export interface DocumentIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A document that cannot be applied, and why. */
export interface DocumentProblem {
  readonly index: number;
  readonly identity: DocumentIdentity;
  readonly error: MeshError;
}

/** A document ready to apply, with its validation warnings. */
export interface AdmittedDocument {
  readonly doc: PreparedDocument;
  readonly identity: DocumentIdentity;
  readonly warnings: string[];
}

/** Metadata the server manages: ignored in applied documents (they often come from `get -o yaml`). */
const SERVER_METADATA = ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * The documents of an apply body: a YAML stream's documents, a JSON array, or a `v1` List's items
 * (as `kubectl apply -f` accepts); a List inside the stream is expanded too.
 */
export function splitDocuments(body: unknown): unknown[] {
  const top = Array.isArray(body) ? body : [body];
  return top.flatMap((d) => (isList(d) ? (d as { items: unknown[] }).items : [d]));
}

function isList(d: unknown): boolean {
  if (!isRecord(d) || !Array.isArray(d['items'])) return false;
  return typeof d['kind'] === 'string' && d['kind'].endsWith('List') && (d['apiVersion'] === 'v1' || d['kind'] === 'List');
}

/** Reads, identifies and admits one document (pure): a kind Galley serves, a namespace, a valid object. */
export function admitDocument(raw: unknown, index: number, defaultNamespace: string): { ok: true; value: AdmittedDocument } | { ok: false; problem: DocumentProblem } {
  const fail = (identity: DocumentIdentity, error: MeshError) => ({ ok: false as const, problem: { index, identity, error } });
  if (!isRecord(raw)) return fail({}, new MeshError('BAD_REQUEST', 'the document must be an object with apiVersion, kind, metadata and spec'));
  const apiVersion = typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : undefined;
  const kindName = typeof raw['kind'] === 'string' ? raw['kind'] : undefined;
  const meta = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'].slice(0, 253) : undefined;
  const identity: DocumentIdentity = { apiVersion, kind: kindName, name };
  if (!apiVersion || !kindName) return fail(identity, new MeshError('BAD_REQUEST', 'the document has no apiVersion or kind'));
  const kind = kindByApiVersion(apiVersion, kindName);
  if (!kind) {
    const served = KINDS.filter((k) => k.kind === kindName).flatMap((k) => k.versions.map((v) => `${k.group}/${v}`));
    return fail(
      identity,
      new MeshError('BAD_REQUEST', served.length > 0 ? `${kindName} is not served at ${apiVersion}; use one of ${served.join(', ')}` : `no matches for kind "${kindName}" in version "${apiVersion}"`),
    );
  }
  let namespace: string | undefined;
  if (kind.namespaced) {
    namespace = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : defaultNamespace;
    if (!isNamespaceName(namespace)) {
      return fail({ ...identity, namespace: namespace.slice(0, 63) }, new MeshError('BAD_REQUEST', 'metadata.namespace must be a lowercase DNS-1123 label, at most 63 characters'));
    }
  }
  const stripped: Record<string, unknown> = { ...meta };
  for (const f of SERVER_METADATA) delete stripped[f];
  const body = { ...raw, metadata: kind.namespaced ? { ...stripped, namespace } : stripped };
  delete (body as Record<string, unknown>)['status'];
  const version = splitApiVersion(apiVersion)[1];
  const result = admitObject(body, { kind, version, namespace }, 'create');
  const id = { ...identity, kind: kind.kind, namespace };
  if (!result.ok) return fail(id, result.error);
  return { ok: true, value: { doc: { index, kind, version, object: result.value }, identity: id, warnings: result.warnings } };
}

/** The documents that name an object an earlier document already names. */
export function duplicates(docs: readonly AdmittedDocument[]): DocumentProblem[] {
  const seen = new Map<string, number>();
  const out: DocumentProblem[] = [];
  for (const d of docs) {
    const o = d.doc.object;
    const key = `${d.doc.kind.group}/${d.doc.kind.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, d.doc.index);
    else out.push({ index: d.doc.index, identity: d.identity, error: new MeshError('BAD_REQUEST', `the document names the same object as document ${first}; apply each object once`) });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
