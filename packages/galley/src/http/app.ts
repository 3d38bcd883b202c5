import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MeshError } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { GalleyMetrics } from '../metrics.js';
import { NOOP_GALLEY_METRICS } from '../metrics.js';
import type { ConfigStore } from '../store/config-store.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './body-parsers.js';
import { registerDiscoveryRoutes } from './discovery-routes.js';
import { registerResourceRoutes } from './resource-routes.js';
import { failureStatus, httpFailureStatus, statusFromError } from './status.js';

/** What the config API is built from. */
export interface ApiAppOptions {
  store: ConfigStore;
  authenticator: Authenticator;
  logger: Logger;
  metrics?: GalleyMetrics;
  /** Reported by `/version`; defaults to this package's version. */
  version?: string;
}

/** The stable message of every 500: the detail goes to the log, never to the client. */
export const INTERNAL_ERROR_MESSAGE = 'Internal error occurred: the request could not be completed; the Galley log has the details';

/**
 * Builds Galley's Kubernetes-style config API without listening, so tests drive it with
 * `inject()`. Every answer that is not a success is a `metav1.Status`; bad input never yields a 500.
 */
export function buildApp(opts: ApiAppOptions): FastifyInstance {
  const logger = opts.logger.child({ component: 'api' });
  const metrics = opts.metrics ?? NOOP_GALLEY_METRICS;
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  registerBodyParsers(app);

  // onRequest runs before the body is read: unauthenticated requests are refused unparsed.
  app.addHook('onRequest', async (req, reply) => {
    const result = opts.authenticator.authenticate(req.headers.authorization);
    if (!result.ok) return reply.code(401).header('www-authenticate', 'Bearer realm="galley"').send(failureStatus('UNAUTHENTICATED', result.message));
    return undefined;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.recordRequest(req.method, reply.statusCode);
    logger.debug({ method: req.method, url: req.url, code: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((err: FastifyError | MeshError | Error, req, reply) => {
    if (err instanceof MeshError) return reply.code(err.httpStatus).send(statusFromError(err));
    const code = (err as FastifyError).statusCode;
    // Framework 4xx (media type, body size, malformed request) carry safe, specific messages.
    if (code !== undefined && code >= 400 && code < 500) return reply.code(code).send(httpFailureStatus(code, err.message));
    logger.error({ err, method: req.method, url: req.url }, 'unexpected error while serving a request');
    return reply.code(500).send(failureStatus('INTERNAL', INTERNAL_ERROR_MESSAGE));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(failureStatus('NOT_FOUND', 'the server could not find the requested resource')));

  registerDiscoveryRoutes(app, opts.version ?? packageVersion());
  registerResourceRoutes(app, { store: opts.store, metrics, logger });
  return app;
}

function packageVersion(): string {
  try {
    // src/http and dist/http are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
