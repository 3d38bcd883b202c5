import { MeshError } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../auth/authorizer.js';
import type { GalleyMetrics } from '../metrics.js';
import type { ConfigStore, DeletePreconditions } from '../store/config-store.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { admitForWrite } from './admission.js';
import { JSON_MEDIA_TYPES, mediaTypeOf, YAML_MEDIA_TYPES } from './body-parsers.js';
import { listObjects } from './list-handler.js';
import { patchObject } from './patch-handler.js';
import type { Query } from './query-options.js';
import { checkFieldValidation, isDryRun, isWatch } from './query-options.js';
import { addWarnings, userOf, warningsOf } from './request-context.js';
import type { PathParams, Target } from './resource-target.js';
import { resolveTarget, served, subjectOf, verbOf } from './resource-target.js';
import { statusFromError } from './status.js';
import { wantsTable } from './table.js';
import type { WatchRegistry } from './watch-handler.js';
import { serveWatch } from './watch-handler.js';
import { warningHeaderValues } from './warnings.js';

/** What the resource routes need. */
export interface ResourceRouteDeps {
  store: ConfigStore;
  metrics: GalleyMetrics;
  logger: Logger;
  watches: WatchRegistry;
  admissionWarnings?: AdmissionWarningsHook;
  now?: () => Date;
}

type RouteGeneric = { Params: PathParams; Querystring: Query; Body: unknown };
type Req = FastifyRequest<RouteGeneric>;
type Reply = { code: number; body: unknown } | 'streamed';

/** The resolved target of each routed request, set before its body is read. */
const targets = new WeakMap<FastifyRequest, Target>();

const G = '/apis/:group/:version';
const NAMESPACED = `${G}/namespaces/:namespace/:plural`;
const CLUSTER = `${G}/:plural`;
const WRITE_MEDIA_TYPES = [...JSON_MEDIA_TYPES, ...YAML_MEDIA_TYPES];

/**
 * Kubernetes-convention object routes (https://kubernetes.io/docs/reference/using-api/api-concepts/):
 * collections at `/apis/<g>/<v>[/namespaces/<ns>]/<plural>` (list, watch, create) and objects
 * below them (get, replace, patch, delete); cluster-wide lists of namespaced kinds; the legacy
 * `/watch/` prefix. Before a body is read the path is resolved and the verb authorized, so
 * unauthorized bodies are never parsed. Every failure is the `metav1.Status` Kubernetes would send.
 */
export function registerResourceRoutes(app: FastifyInstance, deps: ResourceRouteDeps): void {
  const now = deps.now ?? (() => new Date());

  // Resolve and authorize in preParsing: after routing (params are known), before the body is read.
  const authorizeRequest = async <P>(req: Req, _reply: FastifyReply, payload: P): Promise<P> => {
    const t = resolveTarget(req.params);
    targets.set(req, t);
    const user = userOf(req);
    const watch = (req.routeOptions.url ?? '').startsWith(`${G}/watch/`) || isWatch(req.query);
    const decision = authorize(user.username, user.roles, {
      verb: verbOf(req.method, t, watch),
      group: t.kind.group,
      resource: t.kind.plural,
      name: t.name,
      namespace: t.kind.namespaced ? t.namespace : undefined,
      clusterScoped: !t.kind.namespaced,
    });
    if (!decision.allowed) throw new MeshError('FORBIDDEN', decision.message);
    return payload;
  };

  const route = (fn: (req: Req, reply: FastifyReply, t: Target) => Promise<Reply>) => async (req: Req, reply: FastifyReply) => {
    const t = targets.get(req)!;
    const sendWarnings = (): void => {
      const w = warningsOf(req);
      if (w.length > 0) reply.header('warning', warningHeaderValues(w));
    };
    try {
      const out = await fn(req, reply, t);
      if (out === 'streamed') return reply;
      sendWarnings();
      return await reply.code(out.code).send(out.body);
    } catch (err) {
      if (!(err instanceof MeshError) || reply.sent) throw err;
      if (err.code === 'UNAVAILABLE') deps.logger.warn({ err: err.cause ?? err }, 'config store unavailable');
      sendWarnings();
      return reply.code(err.httpStatus).send(statusFromError(err, subjectOf(t, req.body)));
    }
  };
  const on = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, handler: (req: Req, reply: FastifyReply) => Promise<unknown>): void => {
    app.route<RouteGeneric>({ method, url, preParsing: authorizeRequest, handler });
  };

  const getCollection = route(async (req, reply, t) => {
    if (isWatch(req.query)) return watch(req, reply, t);
    return { code: 200, body: await listObjects(deps.store, t, req.query, { table: wantsTable(req.headers.accept), now: now() }) };
  });
  const watchCollection = route(async (req, reply, t) => watch(req, reply, t));
  const getObject = route(async (req, reply, t) => {
    if (isWatch(req.query)) return watch(req, reply, t);
    const obj = await deps.store.get(t.kind, t.namespace, t.name!);
    if (!obj) throw new MeshError('NOT_FOUND', `${t.kind.plural}.${t.kind.group} "${t.name!}" not found`);
    return { code: 200, body: served(obj, t) };
  });
  const create = route(async (req, _reply, t) => {
    if (t.kind.namespaced && t.namespace === undefined) {
      throw new MeshError('METHOD_NOT_ALLOWED', `${t.kind.kind} is namespaced: POST it to /apis/${t.kind.group}/${t.version}/namespaces/<namespace>/${t.kind.plural}`);
    }
    const ctx = writeContext(req, WRITE_MEDIA_TYPES);
    const { object, warnings } = await admitForWrite(deps, req.body, t, 'create', ctx);
    addWarnings(req, warnings);
    return { code: 201, body: served(await deps.store.create(t.kind, object, { dryRun: ctx.dryRun }), t) };
  });
  const replace = route(async (req, _reply, t) => {
    const ctx = writeContext(req, WRITE_MEDIA_TYPES);
    const { object, warnings } = await admitForWrite(deps, req.body, t, 'update', ctx);
    addWarnings(req, warnings);
    return { code: 200, body: served(await deps.store.replace(t.kind, object, { dryRun: ctx.dryRun }), t) };
  });
  const patch = route(async (req, _reply, t) => {
    const ctx = writeContext(req);
    const { object, warnings } = await patchObject(deps, t, mediaTypeOf(req.headers['content-type']), req.body, ctx);
    addWarnings(req, warnings);
    return { code: 200, body: served(object, t) };
  });
  const remove = route(async (req, _reply, t) => {
    const opts = deleteOptions(req.body);
    const dryRun = isDryRun(req.query, opts.dryRun);
    return { code: 200, body: served(await deps.store.delete(t.kind, t.namespace, t.name!, opts.preconditions, { dryRun }), t) };
  });
  const deleteCollection = route(async () => {
    throw new MeshError('METHOD_NOT_ALLOWED', 'deleting a collection is not supported by Galley; delete the objects one by one');
  });

  const watch = async (req: Req, reply: FastifyReply, t: Target): Promise<Reply> => {
    const refused = await serveWatch({ store: deps.store, logger: deps.logger, registry: deps.watches }, req, reply, t, req.query);
    if (refused) return refused;
    deps.metrics.recordRequest('WATCH', 200);
    return 'streamed';
  };

  for (const base of [NAMESPACED, CLUSTER]) {
    on('GET', base, getCollection);
    on('POST', base, create);
    on('DELETE', base, deleteCollection);
    on('GET', `${base}/:name`, getObject);
    on('PUT', `${base}/:name`, replace);
    on('PATCH', `${base}/:name`, patch);
    on('DELETE', `${base}/:name`, remove);
  }
  // Legacy watch paths (deprecated in Kubernetes, still served): /apis/<g>/<v>/watch/...
  for (const path of [`${G}/watch/namespaces/:namespace/:plural`, `${G}/watch/:plural`]) {
    on('GET', path, watchCollection);
    on('GET', `${path}/:name`, watchCollection);
  }

  /** Query options every write takes; the body's media type must be one of `mediaTypes` (when given). */
  function writeContext(req: Req, mediaTypes?: string[]): { dryRun: boolean; username: string } {
    if (mediaTypes && req.body !== undefined && !mediaTypes.includes(mediaTypeOf(req.headers['content-type']))) {
      throw new MeshError('UNSUPPORTED_MEDIA_TYPE', `${req.method} takes ${mediaTypes.join(', ')}; patches are sent with PATCH`);
    }
    checkFieldValidation(req.query);
    return { dryRun: isDryRun(req.query), username: userOf(req).username };
  }
}

/** The target a routed request resolved to (for error details outside the handlers). */
export function targetOf(req: FastifyRequest): Target | undefined {
  return targets.get(req);
}

/** Reads `metav1.DeleteOptions`: preconditions and dryRun; the other options have no effect on config objects. */
function deleteOptions(body: unknown): { preconditions: DeletePreconditions; dryRun?: unknown } {
  if (body === undefined || body === null) return { preconditions: {} };
  if (typeof body !== 'object' || Array.isArray(body)) throw new MeshError('BAD_REQUEST', 'the DELETE body must be a DeleteOptions object');
  const opts = body as { dryRun?: unknown; preconditions?: unknown };
  const pre = opts.preconditions;
  if (pre !== undefined && pre !== null && (typeof pre !== 'object' || Array.isArray(pre))) throw new MeshError('BAD_REQUEST', 'DeleteOptions.preconditions must be an object');
  const p = (pre ?? {}) as { resourceVersion?: unknown; uid?: unknown };
  const out: { resourceVersion?: string; uid?: string } = {};
  if (typeof p.resourceVersion === 'string') out.resourceVersion = p.resourceVersion;
  if (typeof p.uid === 'string') out.uid = p.uid;
  return { preconditions: out, dryRun: opts.dryRun };
}
