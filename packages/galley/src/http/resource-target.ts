import { kindByPlural, MeshError } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Verb } from '../auth/authorizer.js';
import { isNamespaceName, isObjectName } from '../validation/names.js';
import type { StatusSubject } from './status.js';

/** Path parameters of the resource routes. */
export interface PathParams {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
}

/** A resolved request path: the kind, the version asked for, and the object or collection it names. */
export interface Target {
  readonly kind: KindInfo;
  readonly version: string;
  /** Set for namespaced paths; undefined for cluster-scoped kinds and cluster-wide lists. */
  readonly namespace?: string;
  readonly name?: string;
}

const NOT_FOUND = 'the server could not find the requested resource';

/**
 * Resolves a Kubernetes resource path. As in Kubernetes, an unknown group, version or resource,
 * a namespaced path for a cluster-scoped kind (and the reverse, for single objects) are all
 * "not found"; a malformed namespace is a bad request; a malformed name cannot exist.
 */
export function resolveTarget(p: PathParams): Target {
  const kind = kindByPlural(p.group, p.plural);
  if (!kind || !kind.versions.includes(p.version)) throw new MeshError('NOT_FOUND', NOT_FOUND);
  if (p.namespace !== undefined) {
    if (!kind.namespaced) throw new MeshError('NOT_FOUND', `${NOT_FOUND}: ${kind.plural}.${kind.group} is cluster-scoped; use /apis/${kind.group}/${p.version}/${kind.plural}`);
    if (!isNamespaceName(p.namespace)) {
      throw new MeshError('BAD_REQUEST', `namespace "${p.namespace.slice(0, 80)}" in the path is not a lowercase DNS-1123 label (a-z, 0-9, '-'), at most 63 characters`);
    }
  } else if (p.name !== undefined && kind.namespaced) {
    throw new MeshError('NOT_FOUND', `${NOT_FOUND}: ${kind.plural}.${kind.group} is namespaced; use /apis/${kind.group}/${p.version}/namespaces/<namespace>/${kind.plural}/${p.name.slice(0, 80)}`);
  }
  // An object whose name breaks the naming rules cannot exist, and must never reach a KV key.
  if (p.name !== undefined && !isObjectName(p.name)) throw new MeshError('NOT_FOUND', `${kind.plural}.${kind.group} "${p.name.slice(0, 80)}" not found`);
  return { kind, version: p.version, namespace: p.namespace, name: p.name };
}

/** The verb a request performs (Kubernetes request-info rules: GET on a collection is list, with watch=true it is watch). */
export function verbOf(method: string, t: Target, watch: boolean): Verb {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : t.name !== undefined ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      throw new MeshError('METHOD_NOT_ALLOWED', `${method.slice(0, 20)} is not supported on this resource`);
  }
}

/** The object a request is about, for Status details. */
export function subjectOf(t: Target, body?: unknown): StatusSubject {
  const bodyName = (body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  const name = t.name ?? (typeof bodyName === 'string' ? bodyName.slice(0, 253) : undefined);
  return { group: t.kind.group, plural: t.kind.plural, kind: t.kind.kind, name };
}

/**
 * The object as served at the requested version. The kinds' served versions share one schema,
 * so, like a CRD with conversion strategy None, only `apiVersion` changes.
 */
export function served(obj: ConfigResource, t: Pick<Target, 'kind' | 'version'>): ConfigResource {
  return { ...obj, apiVersion: `${t.kind.group}/${t.version}` };
}
