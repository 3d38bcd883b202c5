import { MeshError } from '@mesh/shared-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseAllDocuments } from 'yaml';
import { fastYamlDocuments } from './fast-yaml.js';

/** Media types whose bodies are read as JSON. */
export const JSON_MEDIA_TYPES = ['application/json'];
/** Media types whose bodies are read as one YAML document (kubectl and CI send either). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
/** Patch media types (https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply). */
export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** The Kubernetes API server's default request size limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Deepest nesting accepted in a body: far beyond any config, well within what recursive code can walk. */
export const MAX_BODY_DEPTH = 100;
/** YAML aliases expanded per document at most (guards against alias-expansion bombs). */
const MAX_YAML_ALIASES = 100;

/**
 * Replaces fastify's parsers with ours: JSON (also for the JSON-based patch types) and
 * single-document YAML, each failing with a BAD_REQUEST that quotes the parser's complaint.
 * Server-side apply bodies are kept as text so the PATCH handler can refuse them with a reason.
 * Any other media type gets fastify's 415.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const opts = { parseAs: 'string' as const, bodyLimit: MAX_BODY_BYTES };
  app.addContentTypeParser([...JSON_MEDIA_TYPES, MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH], opts, async (req: FastifyRequest, body: string) =>
    body.trim() === '' ? emptyBody(req.method) : parseJson(body),
  );
  app.addContentTypeParser(YAML_MEDIA_TYPES, opts, async (req: FastifyRequest, body: string) => (body.trim() === '' ? emptyBody(req.method) : parseYaml(body)));
  app.addContentTypeParser(APPLY_PATCH, opts, async (_req: FastifyRequest, body: string) => body);
}

function emptyBody(method: string): undefined {
  // kubectl and client libraries may send an empty body with a content type on DELETE.
  if (method === 'DELETE') return undefined;
  throw new MeshError('BAD_REQUEST', 'the request body is empty; send one object as JSON or YAML');
}

/** Parses a JSON body; a syntax error or excessive nesting becomes a BAD_REQUEST naming the problem. */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new MeshError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  checkDepth(value);
  return value;
}

/** Parses a body that must hold exactly one YAML document. */
export function parseYaml(text: string): unknown {
  const docs = parseYamlDocuments(text);
  if (docs.length !== 1) {
    throw new MeshError('BAD_REQUEST', `the request body holds ${docs.length} YAML documents; send one object per request`);
  }
  return docs[0];
}

/**
 * Parses a YAML stream into its documents (empty documents, such as a trailing `---`, are skipped).
 * Errors name the document (1-based) and the parser's complaint.
 */
export function parseYamlDocuments(text: string): unknown[] {
  const fast = fastYamlDocuments(text, MAX_BODY_DEPTH);
  if (fast) return fast;
  try {
    const parsed = parseAllDocuments(text);
    if (!Array.isArray(parsed)) return []; // an empty stream: only comments or directives
    const out: unknown[] = [];
    for (const [i, doc] of parsed.entries()) {
      const error = doc.errors[0];
      if (error) throw new MeshError('BAD_REQUEST', `the request body is not valid YAML (document ${i + 1}): ${error.message.split('\n')[0]!.slice(0, 200)}`);
      if (doc.contents === null) continue;
      const value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
      checkDepth(value);
      out.push(value);
    }
    return out;
  } catch (err) {
    if (err instanceof MeshError) throw err;
    // Includes stack exhaustion on pathological nesting: the parser fails, the process does not.
    throw new MeshError('BAD_REQUEST', `the request body is not valid YAML: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
  }
}

/** Rejects values nested deeper than {@link MAX_BODY_DEPTH} (checked iteratively, so any depth is safe to check). */
export function checkDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_BODY_DEPTH) throw new MeshError('BAD_REQUEST', `the request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}
