import { MeshError } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdmittedDocument, DocumentIdentity, DocumentProblem } from '../apply/apply-documents.js';
import { admitDocument, duplicates, MAX_APPLY_DOCUMENTS, splitDocuments } from '../apply/apply-documents.js';
import type { AtomicApplier } from '../apply/atomic-apply.js';
import { BatchWriteError } from '../apply/atomic-apply.js';
import { authorize } from '../auth/authorizer.js';
import type { GalleyMetrics } from '../metrics.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { runAdmissionWarnings } from '../validation/admission-warnings.js';
import { isNamespaceName } from '../validation/names.js';
import { JSON_MEDIA_TYPES, MAX_BODY_BYTES, parseJson, parseYamlDocuments, YAML_MEDIA_TYPES } from './body-parsers.js';
import type { Query } from './query-options.js';
import { isDryRun, queryValue } from './query-options.js';
import { userOf } from './request-context.js';
import { failureStatus } from './status.js';
import type { StatusCause } from './status.js';
import { warningHeaderValues } from './warnings.js';

/** The CI endpoint: an atomic multi-document apply (Galley's own API group, not a resource). */
export const APPLY_PATH = '/apis/galley.mesh.io/v1/apply';

/** What the apply route needs. */
export interface ApplyRouteDeps {
  applier: AtomicApplier;
  metrics: GalleyMetrics;
  logger: Logger;
  admissionWarnings?: AdmissionWarningsHook;
}

/** The per-document answer of an apply. */
export interface DocumentResult extends DocumentIdentity {
  index: number;
  action?: 'created' | 'configured' | 'unchanged';
  resourceVersion?: string;
  warnings: string[];
  error?: { code: number; reason: string; message: string; causes?: StatusCause[] };
}

type Req = FastifyRequest<{ Querystring: Query; Body: unknown }>;

/**
 * `POST /apis/galley.mesh.io/v1/apply[?dryRun=All][&namespace=<default>]` with a multi-document
 * YAML stream (or a JSON object, array or List). Every document is checked (kind, namespace,
 * schema, rules, authorization, duplicates) before anything is written: if one fails, the answer is
 * a `metav1.Status` naming each failing document and nothing is stored. Otherwise the documents are
 * written atomically (see AtomicApplier) and the answer is an `ApplyResult` with one result per
 * document: kind, namespace, name, action (created / configured / unchanged), resourceVersion,
 * warnings. Warnings are also sent as `Warning` headers, prefixed with the document they concern.
 */
export function registerApplyRoute(app: FastifyInstance, deps: ApplyRouteDeps): void {
  // Its own parser scope: a YAML body here is a stream of documents, not one object.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    const opts = { parseAs: 'string' as const, bodyLimit: MAX_BODY_BYTES };
    scope.addContentTypeParser(YAML_MEDIA_TYPES, opts, async (_req: FastifyRequest, body: string) => parseYamlDocuments(body));
    scope.addContentTypeParser(JSON_MEDIA_TYPES, opts, async (_req: FastifyRequest, body: string) => (body.trim() === '' ? [] : parseJson(body)));
    scope.post(APPLY_PATH, async (req: Req, reply: FastifyReply) => handle(deps, req, reply));
  });
}

async function handle(deps: ApplyRouteDeps, req: Req, reply: FastifyReply): Promise<FastifyReply> {
  const user = userOf(req);
  const dryRun = isDryRun(req.query);
  const defaultNamespace = queryValue(req.query, 'namespace') ?? 'default';
  if (!isNamespaceName(defaultNamespace)) throw new MeshError('BAD_REQUEST', 'namespace must be a lowercase DNS-1123 label, at most 63 characters');
  const raw = splitDocuments(req.body ?? []);
  if (raw.length === 0) throw new MeshError('BAD_REQUEST', 'the request holds no documents; send YAML documents separated by "---", or a JSON object, array or List');
  if (raw.length > MAX_APPLY_DOCUMENTS) throw new MeshError('BAD_REQUEST', `the request holds ${raw.length} documents; one apply takes at most ${MAX_APPLY_DOCUMENTS}`);

  const admitted: AdmittedDocument[] = [];
  const problems: DocumentProblem[] = [];
  raw.forEach((d, i) => {
    const r = admitDocument(d, i, defaultNamespace);
    if (!r.ok) {
      if (r.problem.error.code === 'INVALID_CONFIG' && r.problem.identity.kind) deps.metrics.recordValidationFailure(r.problem.identity.kind);
      problems.push(r.problem);
      return;
    }
    const { kind, object } = r.value.doc;
    const decision = authorize(user.username, user.roles, {
      verb: 'patch',
      group: kind.group,
      resource: kind.plural,
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      clusterScoped: !kind.namespaced,
    });
    if (!decision.allowed) problems.push({ index: i, identity: r.value.identity, error: new MeshError('FORBIDDEN', decision.message) });
    else admitted.push(r.value);
  });
  problems.push(...duplicates(admitted));
  if (problems.length > 0) return refuse(reply, raw.length, problems, admitted);

  // Cross-resource warnings see the whole batch, so a route to a subset defined in the same apply is fine.
  const batch = admitted.map((a) => a.doc.object);
  const warnings = await Promise.all(
    admitted.map(async (a) => [
      ...a.warnings,
      ...(await runAdmissionWarnings(deps.admissionWarnings, a.doc.object, { operation: 'update', kind: a.doc.kind, dryRun, username: user.username, batch }, deps.logger)),
    ]),
  );
  let applied;
  try {
    applied = await deps.applier.apply(
      admitted.map((a) => a.doc),
      { dryRun },
    );
  } catch (err) {
    if (!(err instanceof BatchWriteError)) throw err;
    return writeFailure(deps, reply, err, admitted);
  }
  const results: DocumentResult[] = applied.map((r, i) => ({
    index: r.index,
    ...admitted[i]!.identity,
    action: r.action,
    resourceVersion: r.object.metadata.resourceVersion ?? '',
    warnings: warnings[i]!,
  }));
  const headers = results.flatMap((r) => r.warnings.map((w) => `${label(r)}: ${w}`));
  if (headers.length > 0) reply.header('warning', warningHeaderValues(headers));
  const resourceVersion = results.reduce((max, r) => Math.max(max, Number(r.resourceVersion) || 0), 0);
  return reply.code(200).send({ apiVersion: 'galley.mesh.io/v1', kind: 'ApplyResult', metadata: { resourceVersion: String(resourceVersion) }, dryRun, results });
}

/** `VirtualService default/reviews` (or the document number when it could not be read). */
function label(id: DocumentIdentity & { index: number }): string {
  if (!id.kind || !id.name) return `document ${id.index}`;
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

function errorOf(err: MeshError, id: DocumentIdentity & { index: number }): NonNullable<DocumentResult['error']> {
  const status = failureStatus(err.code, err.message);
  const causes = err.violations.map((v) => ({ reason: 'FieldValueInvalid', field: `documents[${id.index}].${v.field}`, message: v.message }));
  return { code: status.code, reason: status.reason!, message: err.message, ...(causes.length > 0 ? { causes } : {}) };
}

/** Refused before any write: a Status (403 if any document is forbidden, else 400 or 422) plus per-document results. */
function refuse(reply: FastifyReply, total: number, problems: DocumentProblem[], admitted: AdmittedDocument[]): FastifyReply {
  const byIndex = new Map(problems.map((p) => [p.index, p]));
  const code = problems.some((p) => p.error.code === 'FORBIDDEN') ? 'FORBIDDEN' : problems.some((p) => p.error.code !== 'INVALID_CONFIG') ? 'BAD_REQUEST' : 'INVALID_CONFIG';
  const results: DocumentResult[] = [];
  for (let i = 0; i < total; i++) {
    const p = byIndex.get(i);
    const a = admitted.find((x) => x.doc.index === i);
    const identity = p?.identity ?? a?.identity ?? {};
    results.push({ index: i, ...identity, warnings: [], ...(p ? { error: errorOf(p.error, { index: i, ...identity }) } : {}) });
  }
  const causes: StatusCause[] = problems
    .sort((a, b) => a.index - b.index)
    .flatMap((p) => {
      const id = { index: p.index, ...p.identity };
      const e = errorOf(p.error, id);
      return e.causes?.map((c) => ({ ...c, message: `${label(id)}: ${c.message}` })) ?? [{ reason: e.reason, field: `documents[${p.index}]`, message: `${label(id)}: ${e.message}` }];
    });
  const summary = problems.length === 1 ? `document ${problems[0]!.index} (${label({ index: problems[0]!.index, ...problems[0]!.identity })}) was refused` : `${problems.length} of ${total} documents were refused`;
  const status = failureStatus(code, `apply refused: ${summary}; nothing was stored`, { kind: 'apply', causes });
  return reply.code(status.code).send({ ...status, results });
}

/** A write failed: the batch was undone (or is being undone from its journal). */
function writeFailure(deps: ApplyRouteDeps, reply: FastifyReply, err: BatchWriteError, admitted: AdmittedDocument[]): FastifyReply {
  const failed = err.index === undefined ? undefined : admitted.find((a) => a.doc.index === err.index);
  const where = failed ? `document ${err.index} (${label({ index: err.index!, ...failed.identity })}): ` : '';
  const outcome = err.undone ? 'nothing was stored (writes already made were undone)' : 'writes already made are being undone: the next apply or Galley start completes the undo from the batch journal';
  if (err.error.code === 'UNAVAILABLE' || err.error.code === 'INTERNAL') deps.logger.warn({ err: err.error.cause ?? err.error, undone: err.undone }, 'atomic apply failed');
  const status = failureStatus(err.error.code, `apply failed: ${where}${err.error.message}; ${outcome}`, { kind: 'apply' });
  const results: DocumentResult[] = admitted.map((a) => ({
    index: a.doc.index,
    ...a.identity,
    warnings: [],
    ...(a === failed ? { error: errorOf(err.error, { index: a.doc.index, ...a.identity }) } : {}),
  }));
  return reply.code(status.code).send({ ...status, results });
}
