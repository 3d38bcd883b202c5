import { MeshError, splitApiVersion, validateResource } from '@mesh/shared-api';
import type { ConfigResource, FieldViolation, KindInfo, ObjectMeta } from '@mesh/shared-api';

/** Where a submitted object is going: the kind, version and namespace named by the request path. */
export interface AdmissionTarget {
  readonly kind: KindInfo;
  /** The version in the request path. */
  readonly version: string;
  /** The namespace of the path; undefined for cluster-scoped kinds. */
  readonly namespace?: string;
  /** The name in the path (replace); absent for create. */
  readonly name?: string;
}

/** Whether the object is being created or replaced: they differ in which metadata may be sent. */
export type AdmissionOperation = 'create' | 'update';

/** An admitted object ready for the store, or the error to answer with (BAD_REQUEST or INVALID_CONFIG). */
export type AdmissionResult = { ok: true; value: ConfigResource; warnings: string[] } | { ok: false; error: MeshError };

const REVISION = /^[1-9]\d*$/;

/**
 * Checks one submitted object against the request and the kind's rules, with no I/O.
 * Mismatches with the path (group, kind, namespace, name) are bad requests, as in Kubernetes;
 * everything wrong with the object itself is reported at once as field violations. The admitted
 * object keeps only the metadata a client may set; the store adds the server-managed fields.
 */
export function admitObject(body: unknown, target: AdmissionTarget, op: AdmissionOperation): AdmissionResult {
  const { kind } = target;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return bad('the request body must be one object (JSON or YAML) with apiVersion, kind, metadata and spec');
  }
  const obj: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  // Like the Kubernetes API server, the path supplies apiVersion and kind when the body omits them.
  obj['apiVersion'] ??= `${kind.group}/${target.version}`;
  obj['kind'] ??= kind.kind;
  if (typeof obj['apiVersion'] === 'string') {
    const [group, version] = splitApiVersion(obj['apiVersion']);
    if (group !== kind.group || !kind.versions.includes(version)) {
      return bad(
        `the API version in the data (${obj['apiVersion']}) does not match the expected API version (${kind.group}/${target.version}); ` +
          `${kind.kind} is served at ${kind.versions.map((v) => `${kind.group}/${v}`).join(', ')}`,
      );
    }
  }
  if (typeof obj['kind'] === 'string' && obj['kind'] !== kind.kind) {
    return bad(`the kind in the data (${obj['kind']}) does not match the expected kind (${kind.kind})`);
  }
  let meta = isRecord(obj['metadata']) ? obj['metadata'] : undefined;
  if (meta && !kind.namespaced && meta['namespace'] !== undefined) {
    // Cluster-scoped objects have no namespace; like the Kubernetes API server, ignore one sent anyway.
    const { namespace: _ns, ...rest } = meta;
    meta = rest;
    obj['metadata'] = meta;
  }
  if (meta && kind.namespaced && meta['namespace'] !== undefined && meta['namespace'] !== target.namespace) {
    return bad('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (op === 'update' && meta && typeof meta['name'] === 'string' && meta['name'] !== target.name) {
    return bad(`the name of the object (${meta['name']}) does not match the name on the URL (${target.name ?? ''})`);
  }

  const violations = metadataViolations(meta, op);
  const result = validateResource(obj, target.namespace ?? 'default');
  if (!result.ok) violations.unshift(...result.errors);
  const name = meta && typeof meta['name'] === 'string' ? meta['name'] : (target.name ?? '');
  if (!result.ok || violations.length > 0) return { ok: false, error: invalid(kind, name, violations) };

  const value = result.value;
  const metadata: ObjectMeta = kind.namespaced ? { name: value.metadata.name, namespace: target.namespace } : { name: value.metadata.name };
  if (value.metadata.labels) metadata.labels = value.metadata.labels;
  if (value.metadata.annotations) metadata.annotations = value.metadata.annotations;
  // On update these two are preconditions for the store's compare-and-set; on create they were rejected above.
  if (op === 'update' && typeof meta?.['resourceVersion'] === 'string') metadata.resourceVersion = meta['resourceVersion'];
  if (op === 'update' && typeof meta?.['uid'] === 'string') metadata.uid = meta['uid'];
  return { ok: true, value: { apiVersion: value.apiVersion, kind: value.kind, metadata, spec: value.spec }, warnings: result.warnings };
}

function metadataViolations(meta: Record<string, unknown> | undefined, op: AdmissionOperation): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (!meta) return out;
  const rv = meta['resourceVersion'];
  if (op === 'create' && rv !== undefined && rv !== '') {
    out.push({ field: 'metadata.resourceVersion', message: 'must not be set when creating an object' });
  } else if (op === 'update' && rv !== undefined && (typeof rv !== 'string' || !REVISION.test(rv))) {
    out.push({ field: 'metadata.resourceVersion', message: 'must be the resourceVersion read from this server (a decimal string)' });
  }
  if (meta['uid'] !== undefined && typeof meta['uid'] !== 'string') out.push({ field: 'metadata.uid', message: 'must be a string' });
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): AdmissionResult {
  return { ok: false, error: new MeshError('BAD_REQUEST', message) };
}

/** Kubernetes wording: `VirtualService.networking.istio.io "x" is invalid: [spec.a: …, spec.b: …]`. */
function invalid(kind: KindInfo, name: string, violations: FieldViolation[]): MeshError {
  const parts = violations.map((v) => `${v.field}: ${v.message}`);
  const list = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  return new MeshError('INVALID_CONFIG', `${kind.kind}.${kind.group} "${name}" is invalid: ${list}`, violations);
}
