import { MeshError } from '@mesh/shared-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseAllDocuments } from 'yaml';

/** Media types whose bodies are read as JSON. */
export const JSON_MEDIA_TYPES = ['application/json'];
/** Media types whose bodies are read as one YAML document (kubectl and CI send either). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The Kubernetes API server's default request size limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Replaces fastify's parsers with ours: JSON and single-document YAML, each failing with a
 * BAD_REQUEST that quotes the parser's complaint. Any other media type gets fastify's 415.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, async (req: FastifyRequest, body: string) =>
    body.trim() === '' ? emptyBody(req.method) : parseJson(body),
  );
  app.addContentTypeParser(YAML_MEDIA_TYPES, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, async (req: FastifyRequest, body: string) =>
    body.trim() === '' ? emptyBody(req.method) : parseYaml(body),
  );
}

function emptyBody(method: string): undefined {
  // kubectl and client libraries may send an empty body with a content type on DELETE.
  if (method === 'DELETE') return undefined;
  throw new MeshError('BAD_REQUEST', 'the request body is empty; send one object as JSON or YAML');
}

/** Parses a JSON body; a syntax error becomes a BAD_REQUEST naming the problem. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MeshError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Parses a body that must hold exactly one YAML document (aliases are capped against expansion bombs). */
export function parseYaml(text: string): unknown {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return undefined; // an empty stream: only comments or directives
  if (docs.length !== 1) {
    throw new MeshError('BAD_REQUEST', `the request body holds ${docs.length} YAML documents; send one object per request`);
  }
  const doc = docs[0]!;
  const error = doc.errors[0];
  if (error) throw new MeshError('BAD_REQUEST', `the request body is not valid YAML: ${error.message.split('\n')[0]}`);
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    throw new MeshError('BAD_REQUEST', `the request body is not valid YAML: ${(err as Error).message}`);
  }
}
