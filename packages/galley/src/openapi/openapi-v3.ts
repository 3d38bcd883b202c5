import { createHash } from 'node:crypto';
import { KINDS, SPEC_SCHEMAS } from '@mesh/shared-api';
import type { KindInfo } from '@mesh/shared-api';
import { toOpenApiSchema } from './schema-to-openapi.js';

type Doc = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): Doc => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };

/** `networking.istio.io`, `v1alpha3`, `VirtualService` → `io.istio.networking.v1alpha3.VirtualService` (the Kubernetes naming). */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

const queryParam = (name: string, description: string, type = 'string'): Doc => ({ name, in: 'query', description, schema: { type }, uniqueItems: true });
const WRITE_PARAMS = [
  queryParam('dryRun', 'When present (All), the request is validated and its preconditions checked, but nothing is stored.'),
  queryParam('fieldManager', 'Accepted for compatibility; Galley does not track field managers.'),
  queryParam('fieldValidation', 'Ignore, Warn or Strict; Galley always rejects unknown fields (Strict).'),
];
const LIST_PARAMS = [
  queryParam('labelSelector', 'Selects objects by label (=, ==, !=, in, notin, exists, !key).'),
  queryParam('fieldSelector', 'Selects objects by metadata.name and metadata.namespace (=, ==, !=).'),
  queryParam('limit', 'Maximum number of objects in one page.', 'integer'),
  queryParam('continue', 'The continue token of the previous page.'),
  queryParam('resourceVersion', 'Watch: the revision to stream changes after.'),
  queryParam('watch', 'Stream changes as WatchEvents.', 'boolean'),
  queryParam('timeoutSeconds', 'Ends a watch after this many seconds.', 'integer'),
  queryParam('allowWatchBookmarks', 'Accepted; Galley sends no bookmarks.', 'boolean'),
];
const pathParam = (name: string): Doc => ({ name, in: 'path', required: true, schema: str, uniqueItems: true });
const json = (schema: Doc): Doc => ({ 'application/json': { schema }, 'application/yaml': { schema } });

/** One operation with the extensions kubectl reads (`x-kubernetes-action`, `x-kubernetes-group-version-kind`). */
function op(k: KindInfo, version: string, action: string, id: string, extra: Doc, responseSchema: Doc): Doc {
  return {
    operationId: `${id}${k.kind}`,
    tags: [`${k.group}_${version}`],
    ...extra,
    responses: { '200': { description: 'OK', content: json(responseSchema) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: k.group, version, kind: k.kind },
  };
}

function pathsOf(k: KindInfo, version: string): Record<string, Doc> {
  const name = definitionName(k.group, version, k.kind);
  const obj = ref(name);
  const list = ref(`${name}List`);
  const base = `/apis/${k.group}/${version}`;
  const collection = k.namespaced ? `${base}/namespaces/{namespace}/${k.plural}` : `${base}/${k.plural}`;
  const scope = k.namespaced ? [pathParam('namespace')] : [];
  const body = { requestBody: { required: true, content: json(obj) } };
  const paths: Record<string, Doc> = {
    [collection]: {
      parameters: scope,
      get: op(k, version, 'list', k.namespaced ? 'listNamespaced' : 'list', { parameters: LIST_PARAMS }, list),
      post: op(k, version, 'post', k.namespaced ? 'createNamespaced' : 'create', { parameters: WRITE_PARAMS, ...body }, obj),
    },
    [`${collection}/{name}`]: {
      parameters: [pathParam('name'), ...scope],
      get: op(k, version, 'get', k.namespaced ? 'readNamespaced' : 'read', {}, obj),
      put: op(k, version, 'put', k.namespaced ? 'replaceNamespaced' : 'replace', { parameters: WRITE_PARAMS, ...body }, obj),
      // No strategic-merge-patch here: like CRDs, so kubectl apply computes a JSON merge patch.
      patch: op(
        k,
        version,
        'patch',
        k.namespaced ? 'patchNamespaced' : 'patch',
        {
          parameters: [...WRITE_PARAMS, queryParam('force', 'Accepted for compatibility.', 'boolean')],
          requestBody: { required: true, content: { 'application/json-patch+json': { schema: ref(`${META}.Patch`) }, 'application/merge-patch+json': { schema: ref(`${META}.Patch`) } } },
        },
        obj,
      ),
      delete: op(k, version, 'delete', k.namespaced ? 'deleteNamespaced' : 'delete', { parameters: [WRITE_PARAMS[0]!] }, obj),
    },
  };
  if (k.namespaced) {
    paths[`${base}/${k.plural}`] = { get: op(k, version, 'list', 'list', { parameters: LIST_PARAMS }, list) };
  }
  return paths;
}

function schemasOf(k: KindInfo, version: string): Record<string, Doc> {
  const name = definitionName(k.group, version, k.kind);
  const spec = SPEC_SCHEMAS[k.kind];
  const gvk = (kind: string): Doc[] => [{ group: k.group, version, kind }];
  return {
    [name]: {
      type: 'object',
      description: `${k.kind} (${k.group}/${version}), validated by Galley.`,
      required: ['spec'],
      properties: {
        apiVersion: { ...str, description: 'APIVersion of the object.' },
        kind: { ...str, description: 'Kind of the object.' },
        metadata: ref(`${META}.ObjectMeta`),
        spec: spec ? toOpenApiSchema(spec) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
      'x-kubernetes-group-version-kind': gvk(k.kind),
    },
    [`${name}List`]: {
      type: 'object',
      required: ['items'],
      properties: { apiVersion: str, kind: str, metadata: ref(`${META}.ListMeta`), items: { type: 'array', items: ref(name) } },
      'x-kubernetes-group-version-kind': gvk(`${k.kind}List`),
    },
  };
}

const COMMON_SCHEMAS: Record<string, Doc> = {
  [`${META}.ObjectMeta`]: {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      labels: { type: 'object', additionalProperties: str },
      annotations: { type: 'object', additionalProperties: str },
      resourceVersion: str,
      uid: str,
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
    },
  },
  [`${META}.ListMeta`]: { type: 'object', properties: { resourceVersion: str, continue: str, remainingItemCount: { type: 'integer', format: 'int64' } } },
  [`${META}.Patch`]: { type: 'object', description: 'A JSON merge patch (RFC 7386) or JSON Patch (RFC 6902).' },
};

/** The OpenAPI v3 document of one group/version, or undefined when Galley does not serve it. */
export function openApiV3Document(group: string, version: string, galleyVersion: string): Doc | undefined {
  const kinds = KINDS.filter((k) => k.group === group && k.versions.includes(version));
  if (kinds.length === 0) return undefined;
  const paths: Record<string, Doc> = {};
  const schemas: Record<string, Doc> = { ...COMMON_SCHEMAS };
  for (const k of kinds) {
    Object.assign(paths, pathsOf(k, version));
    Object.assign(schemas, schemasOf(k, version));
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Galley', version: galleyVersion },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/**
 * The OpenAPI v3 discovery document (`/openapi/v3`): one entry per served group/version, each with a
 * content hash in its URL so clients may cache it (as the Kubernetes API server does).
 */
export function openApiV3Index(galleyVersion: string): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const group of new Set(KINDS.map((k) => k.group))) {
    for (const version of new Set(KINDS.filter((k) => k.group === group).flatMap((k) => k.versions))) {
      const hash = createHash('sha512').update(JSON.stringify(openApiV3Document(group, version, galleyVersion))).digest('hex').slice(0, 128).toUpperCase();
      paths[`apis/${group}/${version}`] = { serverRelativeURL: `/openapi/v3/apis/${group}/${version}?hash=${hash}` };
    }
  }
  return { paths };
}
