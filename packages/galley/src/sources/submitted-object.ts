import { kindByApiVersion, MeshError, splitApiVersion, validateResource } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import { admitObject } from '../validation/admit-object.js';

/** kubectl's bookkeeping copy of the whole object: never needed by the mesh, often larger than the spec. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The prefix of the ownership annotations (ownership.ts). */
const SOURCE_PREFIX = 'galley.mesh.io/source';

/** An object from a source or a webhook, admitted for the store — or why it was refused. */
export type SourceAdmission =
  | { ok: true; kind: KindInfo; object: ConfigResource; warnings: string[] }
  | { ok: false; kind?: KindInfo; kindName: string; name: string; error: MeshError };

/** How to admit an object that did not arrive through the API. */
export interface SourceAdmitOptions {
  /** The namespace of objects whose metadata names none. */
  readonly defaultNamespace: string;
  /** Annotations set on the admitted object (a source's origin); they override any in the input. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Admits an object read from Kubernetes, a file or an AdmissionReview through the same
 * `admitObject` the API uses. Another system's server-managed metadata (its resourceVersion,
 * uid, managedFields, status …) is dropped first: only apiVersion, kind, name, namespace, labels,
 * annotations and spec are submitted, exactly what a client may send on create.
 */
export function admitFromSource(doc: unknown, opts: SourceAdmitOptions): SourceAdmission {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, kindName: '', name: '', error: new MeshError('BAD_REQUEST', 'each document must be one object with apiVersion, kind, metadata and spec') };
  }
  const input = doc as Record<string, unknown>;
  const submitted = submittedForm(input, opts.annotations);
  const kindName = typeof input['kind'] === 'string' ? input['kind'] : '';
  const name = submitted.metadata.name;
  const apiVersion = typeof input['apiVersion'] === 'string' ? input['apiVersion'] : '';
  const kind = kindByApiVersion(apiVersion, kindName);
  if (!kind) {
    // validateResource words unknown kinds and unserved versions; it is the one place that does.
    const result = validateResource(submitted, opts.defaultNamespace);
    const violations = result.ok ? [{ field: 'kind', message: `unknown kind ${kindName} (${apiVersion})` }] : result.errors;
    const message = `${kindName || '(no kind)'} "${name}" is invalid: ${violations.map((v) => `${v.field}: ${v.message}`).join(', ')}`;
    return { ok: false, kindName, name, error: new MeshError('INVALID_CONFIG', message, violations) };
  }
  // Cluster-scoped kinds (MeshPolicy, ClusterRbacConfig) have no namespace.
  const namespace = !kind.namespaced ? undefined : typeof submitted.metadata.namespace === 'string' ? submitted.metadata.namespace : opts.defaultNamespace;
  const result = admitObject(submitted, { kind, version: splitApiVersion(apiVersion)[1], namespace }, 'create');
  if (!result.ok) return { ok: false, kind, kindName, name, error: result.error };
  return { ok: true, kind, object: result.value, warnings: result.warnings };
}

interface Submitted {
  apiVersion: unknown;
  kind: unknown;
  metadata: { name: string; namespace?: unknown; labels?: unknown; annotations?: unknown };
  spec: unknown;
}

/** The client-settable part of an object, with `annotations` merged over its own. */
function submittedForm(input: Record<string, unknown>, annotations: Readonly<Record<string, string>> = {}): Submitted {
  const meta = isRecord(input['metadata']) ? input['metadata'] : {};
  const out: Submitted = { apiVersion: input['apiVersion'], kind: input['kind'], metadata: { name: typeof meta['name'] === 'string' ? meta['name'] : '' }, spec: input['spec'] };
  if (meta['namespace'] !== undefined) out.metadata.namespace = meta['namespace'];
  if (meta['labels'] !== undefined) out.metadata.labels = meta['labels'];
  const own = meta['annotations'];
  if (isRecord(own)) {
    const { [LAST_APPLIED]: _dropped, ...rest } = own;
    // A source's own annotations say where an object came from: the input may not claim another origin.
    if (Object.keys(annotations).length > 0) for (const k of Object.keys(rest)) if (k.startsWith(SOURCE_PREFIX)) delete rest[k];
    const merged = { ...rest, ...annotations };
    if (Object.keys(merged).length > 0) out.metadata.annotations = merged;
  } else if (own !== undefined) {
    out.metadata.annotations = own; // not a map: let validation name it
  } else if (Object.keys(annotations).length > 0) {
    out.metadata.annotations = { ...annotations };
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
