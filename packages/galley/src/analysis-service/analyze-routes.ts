import { MeshError } from '@mesh/shared-api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseAllDocuments } from 'yaml';
import { authorize } from '../auth/authorizer.js';
import { userOf } from '../http/request-context.js';
import type { AnalysisReport, AnalysisService } from './analysis-service.js';

/** The analyze endpoint: GET analyses the stored config, POST analyses it with the body's documents applied. */
export const ANALYZE_PATH = '/apis/galley.mesh.io/v1/analyze';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The Kubernetes API server's default request size limit, as for every Galley body. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Options of {@link registerAnalyzeRoutes}. */
export interface AnalyzeRoutesOptions {
  analysis: AnalysisService;
}

type Query = { namespace?: string };

/**
 * Registers the analyze endpoint in its own fastify context (authentication hooks and the error
 * handler of the parent apply), where YAML bodies may hold many documents:
 *   GET  /apis/galley.mesh.io/v1/analyze[?namespace=ns]   the stored config
 *   POST /apis/galley.mesh.io/v1/analyze[?namespace=ns]   the stored config with the body applied
 *        (multi-document YAML, a JSON array, a `List`, or one object; like `istioctl analyze -f`)
 * Both answer an `AnalysisReport` (messages with code, level, resource, field, message).
 */
export async function registerAnalyzeRoutes(app: FastifyInstance, opts: AnalyzeRoutesOptions): Promise<void> {
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, async (_req: FastifyRequest, body: string) => documentsFromJson(body));
    child.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, async (_req: FastifyRequest, body: string) => documentsFromYaml(body));

    // Authorized before the body is read: reporting on a namespace needs the read role there ("*" for all).
    const preParsing = async <P>(req: FastifyRequest<{ Querystring: Query }>, _reply: FastifyReply, payload: P): Promise<P> => {
      const ns = namespaceOf(req.query);
      const user = userOf(req);
      const decision = authorize(user.username, user.roles, { verb: 'list', group: 'galley.mesh.io', resource: 'analyze', namespace: ns, clusterScoped: false });
      if (!decision.allowed) throw new MeshError('FORBIDDEN', decision.message);
      return payload;
    };
    child.get<{ Querystring: Query }>(ANALYZE_PATH, { preParsing }, async (req) => answer(await opts.analysis.analyzeStored(namespaceOf(req.query))));
    child.post<{ Querystring: Query; Body: unknown }>(ANALYZE_PATH, { preParsing }, async (req) => {
      const docs = Array.isArray(req.body) ? (req.body as unknown[]) : [];
      return answer(await opts.analysis.analyzeDocuments(docs, { namespace: namespaceOf(req.query) }));
    });
  });
}

function answer(report: AnalysisReport): Record<string, unknown> {
  return { apiVersion: 'galley.mesh.io/v1', kind: 'AnalysisReport', ...report };
}

/** The `namespace` query parameter: undefined for all namespaces; BAD_REQUEST when it cannot be a namespace. */
function namespaceOf(query: Query): string | undefined {
  const ns = query.namespace;
  if (ns === undefined || ns === '') return undefined;
  if (ns.length > 63 || !NAMESPACE.test(ns)) throw new MeshError('BAD_REQUEST', `namespace "${ns}" is not a lowercase DNS-1123 label (a-z, 0-9, '-'), at most 63 characters`);
  return ns;
}

/** A JSON body: an array of objects, a `List` with `items`, or one object. */
function documentsFromJson(text: string): unknown[] {
  if (text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new MeshError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  return flatten([value]);
}

/** A YAML stream of any number of documents (aliases capped against expansion bombs). */
function documentsFromYaml(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  const out: unknown[] = [];
  for (const [i, doc] of docs.entries()) {
    const error = doc.errors[0];
    if (error) throw new MeshError('BAD_REQUEST', `document ${i + 1} of the request body is not valid YAML: ${error.message.split('\n')[0]}`);
    try {
      out.push(doc.toJS({ maxAliasCount: 100 }) as unknown);
    } catch (err) {
      throw new MeshError('BAD_REQUEST', `document ${i + 1} of the request body is not valid YAML: ${(err as Error).message}`);
    }
  }
  return flatten(out);
}

/** Unwraps arrays and `kind: List` documents; drops empty documents. */
function flatten(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) out.push(...flatten(v));
    else if (typeof v === 'object' && (v as { kind?: unknown }).kind === 'List' && Array.isArray((v as { items?: unknown }).items)) out.push(...flatten((v as { items: unknown[] }).items));
    else out.push(v);
  }
  return out;
}
