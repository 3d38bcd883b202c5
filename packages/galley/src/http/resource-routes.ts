import { kindByPlural, MeshError } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GalleyMetrics } from '../metrics.js';
import type { ConfigStore, DeletePreconditions } from '../store/config-store.js';
import { admitObject } from '../validation/admit-object.js';
import type { AdmissionOperation } from '../validation/admit-object.js';
import { isNamespaceName, isObjectName } from '../validation/names.js';
import { statusFromError } from './status.js';
import type { StatusSubject } from './status.js';

/** What the resource routes need. */
export interface ResourceRouteDeps {
  store: ConfigStore;
  metrics: GalleyMetrics;
  logger: Logger;
}

interface PathParams {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
}

type Query = Record<string, string | undefined>;
type Req = FastifyRequest<{ Params: PathParams; Querystring: Query; Body: unknown }>;

/** A resolved request path: the kind, the version asked for, and the object it names. */
interface Target {
  kind: KindInfo;
  version: string;
  namespace?: string;
  name?: string;
}

type Reply = { code: number; body: unknown };

/** Admission warnings of the current request, sent as Kubernetes `Warning: 299 - "…"` headers. */
const warningsOf = new WeakMap<Req, string[]>();

const NS = '/apis/:group/:version/namespaces/:namespace/:plural';

/**
 * Kubernetes-convention object routes: list / create per namespace, get / replace / delete per
 * object, and the cluster-wide list. Each handler resolves the path, admits the body (pure),
 * calls the store, and maps a MeshError to the `metav1.Status` Kubernetes would send.
 */
export function registerResourceRoutes(app: FastifyInstance, deps: ResourceRouteDeps): void {
  const route = (fn: (req: Req, target: Target) => Promise<Reply>) => async (req: Req, reply: FastifyReply) => {
    let target: Target | undefined;
    try {
      target = resolveTarget(req.params);
      const out = await fn(req, target);
      const warnings = warningsOf.get(req);
      if (warnings) reply.header('warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
      return await reply.code(out.code).send(out.body);
    } catch (err) {
      if (!(err instanceof MeshError)) throw err;
      if (err.code === 'UNAVAILABLE') deps.logger.warn({ err: err.cause ?? err }, 'config store unavailable');
      return reply.code(err.httpStatus).send(statusFromError(err, target && subjectOf(target, req)));
    }
  };

  app.get(`/apis/:group/:version/:plural`, route(async (req, t) => list(deps, t, req.query)));
  app.get(NS, route(async (req, t) => list(deps, t, req.query)));
  app.post(NS, route(async (req, t) => ({ code: 201, body: served(await deps.store.create(t.kind, admit(deps, req, t, 'create')), t) })));
  app.get(`${NS}/:name`, route(async (_req, t) => {
    const obj = await deps.store.get(t.kind, t.namespace!, t.name!);
    if (!obj) throw new MeshError('NOT_FOUND', `${t.kind.plural}.${t.kind.group} "${t.name!}" not found`);
    return { code: 200, body: served(obj, t) };
  }));
  app.put(`${NS}/:name`, route(async (req, t) => ({ code: 200, body: served(await deps.store.replace(t.kind, admit(deps, req, t, 'update')), t) })));
  app.delete(`${NS}/:name`, route(async (req, t) => {
    rejectUnsupported(req.query);
    const preconditions = deleteOptions(req.body);
    return { code: 200, body: served(await deps.store.delete(t.kind, t.namespace!, t.name!, preconditions), t) };
  }));
  // Verbs not built yet answer 405 (as Kubernetes does for a verb a resource lacks), never a misleading 404.
  const notAllowed = (what: string, hint: string) =>
    route(async () => {
      throw new MeshError('METHOD_NOT_ALLOWED', `${what} is not supported by this Galley yet; ${hint}`);
    });
  app.patch(`${NS}/:name`, notAllowed('PATCH', 'replace the whole object with PUT (kubectl replace)'));
  app.delete(NS, notAllowed('deleting a collection', 'delete the objects one by one'));
}

function resolveTarget(p: PathParams): Target {
  const kind = kindByPlural(p.group, p.plural);
  // Kubernetes answers unknown groups, versions and resources alike.
  if (!kind || !kind.versions.includes(p.version)) throw new MeshError('NOT_FOUND', 'the server could not find the requested resource');
  if (p.namespace !== undefined && !isNamespaceName(p.namespace)) {
    throw new MeshError('BAD_REQUEST', `namespace "${p.namespace}" in the path is not a lowercase DNS-1123 label (a-z, 0-9, '-'), at most 63 characters`);
  }
  // An object whose name breaks the naming rules cannot exist, and must never reach a KV key.
  if (p.name !== undefined && !isObjectName(p.name)) throw new MeshError('NOT_FOUND', `${kind.plural}.${kind.group} "${p.name}" not found`);
  return { kind, version: p.version, namespace: p.namespace, name: p.name };
}

function subjectOf(t: Target, req: Req): StatusSubject {
  const bodyName = (req.body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  const name = t.name ?? (typeof bodyName === 'string' ? bodyName : undefined);
  return { group: t.kind.group, plural: t.kind.plural, kind: t.kind.kind, name };
}

async function list(deps: ResourceRouteDeps, t: Target, query: Query): Promise<Reply> {
  rejectUnsupported(query);
  for (const selector of ['labelSelector', 'fieldSelector']) {
    if (query[selector]) throw new MeshError('BAD_REQUEST', `${selector} is not supported by this Galley yet; list without it and filter on the client`);
  }
  const { items, resourceVersion } = await deps.store.list(t.kind, t.namespace);
  // `limit` is ignored: the whole list is returned in one page, without a continue token.
  return {
    code: 200,
    body: { apiVersion: `${t.kind.group}/${t.version}`, kind: `${t.kind.kind}List`, metadata: { resourceVersion }, items: items.map((o) => served(o, t)) },
  };
}

function admit(deps: ResourceRouteDeps, req: Req, t: Target, op: AdmissionOperation): ConfigResource {
  rejectUnsupported(req.query);
  if (req.body === undefined) throw new MeshError('BAD_REQUEST', 'the request has no body; send one object as JSON or YAML (Content-Type: application/json or application/yaml)');
  const result = admitObject(req.body, { kind: t.kind, version: t.version, namespace: t.namespace!, name: t.name }, op);
  if (!result.ok) {
    if (result.error.code === 'INVALID_CONFIG') deps.metrics.recordValidationFailure(t.kind.kind);
    throw result.error;
  }
  if (result.warnings.length > 0) warningsOf.set(req, result.warnings);
  return result.value;
}

/**
 * Rejects query options this build does not implement rather than ignoring them: a silently
 * ignored `dryRun=All` would store what the caller only meant to check.
 */
function rejectUnsupported(query: Query): void {
  if (query['dryRun']) throw new MeshError('BAD_REQUEST', 'dryRun is not supported by this Galley yet; nothing was changed');
  if (query['watch'] && query['watch'] !== 'false' && query['watch'] !== '0') {
    throw new MeshError('BAD_REQUEST', 'watch is not supported by this Galley yet; list instead');
  }
}

/** Reads `metav1.DeleteOptions` preconditions; other delete options have no effect on config objects. */
function deleteOptions(body: unknown): DeletePreconditions {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new MeshError('BAD_REQUEST', 'the DELETE body must be a DeleteOptions object');
  const opts = body as { dryRun?: unknown; preconditions?: { resourceVersion?: unknown; uid?: unknown } };
  if (Array.isArray(opts.dryRun) && opts.dryRun.length > 0) throw new MeshError('BAD_REQUEST', 'dryRun is not supported by this Galley yet; nothing was changed');
  const out: { resourceVersion?: string; uid?: string } = {};
  if (typeof opts.preconditions?.resourceVersion === 'string') out.resourceVersion = opts.preconditions.resourceVersion;
  if (typeof opts.preconditions?.uid === 'string') out.uid = opts.preconditions.uid;
  return out;
}

/**
 * The object as served at the requested version. The kinds' served versions share one schema,
 * so, like a CRD with conversion strategy None, only `apiVersion` changes.
 */
function served(obj: ConfigResource, t: Target): ConfigResource {
  return { ...obj, apiVersion: `${t.kind.group}/${t.version}` };
}
