import { MeshError } from '@mesh/shared-api';
import type { FastifyInstance } from 'fastify';
import { openApiV3Document, openApiV3Index } from '../openapi/openapi-v3.js';
import { statusFromError } from './status.js';

/**
 * OpenAPI v3 (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3): kubectl
 * reads it before `apply`/`create` to learn that the server validates fields itself (the PATCH
 * operation's `fieldValidation` parameter) and which patch types it takes. `/openapi/v2` is not
 * served: clients ask for it as protobuf only, and fall back to it only when v3 is missing.
 * Documents are built once per process (KINDS and the schemas are fixed at build time).
 */
export function registerOpenApiRoutes(app: FastifyInstance, galleyVersion: string): void {
  const docs = new Map<string, string>();
  let index: string | undefined;
  app.get('/openapi/v3', async (_req, reply) => {
    index ??= JSON.stringify(openApiV3Index(galleyVersion));
    return reply.type('application/json').send(index);
  });
  app.get<{ Params: { group: string; version: string } }>('/openapi/v3/apis/:group/:version', async (req, reply) => {
    const key = `${req.params.group}/${req.params.version}`;
    let body = docs.get(key);
    if (body === undefined) {
      const doc = openApiV3Document(req.params.group, req.params.version, galleyVersion);
      if (!doc) return reply.code(404).send(statusFromError(new MeshError('NOT_FOUND', 'the server could not find the requested resource')));
      body = JSON.stringify(doc);
      docs.set(key, body);
    }
    return reply.type('application/json').header('cache-control', 'no-cache, private').send(body);
  });
}
