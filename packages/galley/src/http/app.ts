import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MeshError } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { AtomicApplier } from '../apply/atomic-apply.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GalleyMetrics } from '../metrics.js';
import { NOOP_GALLEY_METRICS } from '../metrics.js';
import type { ConfigStore } from '../store/config-store.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { registerApplyRoute } from './apply-routes.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './body-parsers.js';
import { registerDiscoveryRoutes } from './discovery-routes.js';
import { registerOpenApiRoutes } from './openapi-routes.js';
import { setUser } from './request-context.js';
import { registerResourceRoutes, targetOf } from './resource-routes.js';
import { subjectOf } from './resource-target.js';
import { failureStatus, httpFailureStatus, statusFromError } from './status.js';
import { WatchRegistry } from './watch-handler.js';

/** What the config API is built from. */
export interface ApiAppOptions {
  store: ConfigStore;
  authenticator: Authenticator;
  logger: Logger;
  metrics?: GalleyMetrics;
  /** Reported by `/version`; defaults to this package's version. */
  version?: string;
  /** Extra admission warnings for every write (cross-resource analysis); sent in `Warning` headers. */
  admissionWarnings?: AdmissionWarningsHook;
  /** The atomic multi-document apply behind `POST /apis/galley.mesh.io/v1/apply`; the route is absent without it. */
  applier?: AtomicApplier;
  /** The clock (Table ages); defaults to the system clock. */
  now?: () => Date;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without. kubectl sends bearer tokens only over HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
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
  const version = opts.version ?? packageVersion();
  const watches = new WatchRegistry();
  // An HTTPS instance differs from an HTTP one only in its raw server type; routes see the same requests.
  const app = Fastify({
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
    // Object names are DNS subdomains of up to 253 characters; longer path segments are refused (414) by the router.
    routerOptions: { maxParamLength: 512 },
    // Errors the router raises before any route (a malformed URL, an over-long segment) are Statuses too.
    frameworkErrors: (err, _req, reply) => {
      const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      const raw = reply as unknown as FastifyReply;
      return raw.code(code).send(httpFailureStatus(code, err.message.slice(0, 300)));
    },
  }) as unknown as FastifyInstance;
  registerBodyParsers(app);

  // onRequest runs before the body is read: unauthenticated requests are refused unparsed.
  app.addHook('onRequest', async (req, reply) => {
    const result = opts.authenticator.authenticate(req.headers.authorization);
    if (!result.ok) return reply.code(401).header('www-authenticate', 'Bearer realm="galley"').send(failureStatus('UNAUTHENTICATED', result.message));
    setUser(req, result.user);
    return undefined;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.recordRequest(req.method, reply.statusCode);
    // The path only (never the query string or headers): nothing a client sends as a secret is logged.
    logger.debug({ method: req.method, path: req.url.split('?')[0], code: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  // Watches are long-lived: end them when the app closes instead of waiting for their clients.
  app.addHook('preClose', async () => watches.closeAll());

  app.setErrorHandler((err: FastifyError | MeshError | Error, req, reply) => {
    if (err instanceof MeshError) {
      const t = targetOf(req);
      return reply.code(err.httpStatus).send(statusFromError(err, t && subjectOf(t)));
    }
    const code = (err as FastifyError).statusCode;
    // Framework 4xx (media type, body size, malformed request) carry safe, specific messages.
    if (code !== undefined && code >= 400 && code < 500) return reply.code(code).send(httpFailureStatus(code, err.message));
    logger.error({ err, method: req.method, path: req.url.split('?')[0] }, 'unexpected error while serving a request');
    return reply.code(500).send(failureStatus('INTERNAL', INTERNAL_ERROR_MESSAGE));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(failureStatus('NOT_FOUND', 'the server could not find the requested resource')));

  registerDiscoveryRoutes(app, version);
  registerOpenApiRoutes(app, version);
  registerResourceRoutes(app, { store: opts.store, metrics, logger, watches, admissionWarnings: opts.admissionWarnings, now: opts.now });
  if (opts.applier) registerApplyRoute(app, { applier: opts.applier, metrics, logger, admissionWarnings: opts.admissionWarnings });
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
