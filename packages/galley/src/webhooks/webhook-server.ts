import { promises as fs } from 'node:fs';
import type { Server } from 'node:https';
import { reviewInjection } from '@mesh/injector';
import type { InjectionSettings } from '@mesh/injector';
import type { Logger, ProcessMetrics } from '@mesh/runtime';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { runAdmissionWarnings } from '../validation/admission-warnings.js';
import { reviewAdmission, WEBHOOK_PATHS } from './admission-review.js';
import type { WebhookEndpoint } from './admission-review.js';
import type { CertificatePair } from './self-signed-cert.js';
import { readPair } from './webhook-tls.js';

/** What the webhook server counts. */
export interface WebhookMetrics {
  /** One review answered, by endpoint and result (allowed, denied, malformed; /inject: injected, skipped, denied, malformed). */
  recordReview(endpoint: WebhookEndpoint | 'inject', result: 'allowed' | 'denied' | 'malformed' | 'injected' | 'skipped'): void;
}

/** `galley_webhook_reviews_total{endpoint, result}` on the process meter. */
export function createWebhookMetrics(meter: ProcessMetrics['meter']): WebhookMetrics {
  const reviews = meter.createCounter('galley_webhook_reviews_total', { description: 'admission reviews answered, by endpoint and result (allowed, denied, malformed)' });
  return { recordReview: (endpoint, result) => reviews.add(1, { endpoint, result }) };
}

/** What the webhook server is built from. */
export interface WebhookServerOptions {
  host: string;
  port: number;
  tls: CertificatePair;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** Cross-resource warnings added to allowed reviews (the same hook the API uses). */
  admissionWarnings?: AdmissionWarningsHook;
  /** Files to re-read when they change (a renewed Secret), and how often to look (ms). */
  reload?: { certFile: string; keyFile: string; intervalMs?: number };
  /** Serve the mutating webhook `POST /inject` (sidecar injection) with these settings. */
  injection?: InjectionSettings;
}

/** The mutating webhook's path (Istio's). */
export const INJECT_PATH = '/inject';

/** Kubernetes caps objects near 3 MiB; a review carries the object (twice on UPDATE). */
const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

/**
 * The ValidatingAdmissionWebhook server: HTTPS, `POST /admitpilot` and `POST /admitmixer`, each
 * an AdmissionReview in and out (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
 * A body that is not a review answers 400; every review answers 200 with allowed true or false.
 */
export class WebhookServer {
  private readonly app: FastifyInstance;
  private readonly logger: Logger;
  private started = false;
  private reloadTimer: NodeJS.Timeout | undefined;
  private lastMtimes = '';

  constructor(private readonly opts: WebhookServerOptions) {
    this.logger = opts.logger.child({ component: 'webhooks' });
    this.app = Fastify({ logger: false, bodyLimit: MAX_REVIEW_BYTES, https: { cert: opts.tls.certPem, key: opts.tls.keyPem } });
    const metrics = opts.metrics;
    this.app.setErrorHandler((err: FastifyError, _req, reply) => {
      const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (code === 500) this.logger.error({ err }, 'unexpected error while answering an admission review');
      return reply.code(code).send(status(code, code === 500 ? 'internal error; the Galley log has the details' : err.message));
    });
    const paths = [...Object.values(WEBHOOK_PATHS), ...(opts.injection ? [INJECT_PATH] : [])];
    this.app.setNotFoundHandler((_req, reply) => reply.code(404).send(status(404, `not found; the webhooks are POST ${paths.join(' and POST ')}`)));
    if (opts.injection) this.registerInject(opts.injection);
    for (const endpoint of Object.keys(WEBHOOK_PATHS) as WebhookEndpoint[]) {
      this.app.post(WEBHOOK_PATHS[endpoint], async (req, reply) => {
        const outcome = reviewAdmission(req.body, endpoint);
        if (!outcome.ok) {
          metrics?.recordReview(endpoint, 'malformed');
          return reply.code(400).send(status(400, outcome.message));
        }
        const { response } = outcome.review;
        const { admitted } = outcome;
        if (admitted && this.opts.admissionWarnings) {
          const context = { operation: admitted.operation, kind: admitted.kind, dryRun: admitted.dryRun, username: outcome.subject.user ?? '', batch: [admitted.object] };
          const extra = await runAdmissionWarnings(this.opts.admissionWarnings, admitted.object, context, this.logger);
          if (extra.length > 0) response.warnings = [...(response.warnings ?? []), ...extra];
        }
        metrics?.recordReview(endpoint, response.allowed ? 'allowed' : 'denied');
        if (!response.allowed) this.logger.info({ ...outcome.subject, uid: response.uid, reason: response.status?.message }, 'admission denied');
        else this.logger.debug({ ...outcome.subject, uid: response.uid }, 'admission allowed');
        return reply.code(200).send(outcome.review);
      });
    }
  }

  /**
   * `POST /inject`: the mutating webhook (AdmissionReview v1 in and out). Injected pods get a
   * JSON Patch; skipped ones are allowed unchanged; a pod whose annotations cannot be honoured is
   * denied with the reason. The decision and the pod are @mesh/injector's, as `meshctl kube-inject`.
   */
  private registerInject(settings: InjectionSettings): void {
    this.app.post(INJECT_PATH, async (req, reply) => {
      const outcome = reviewInjection(req.body, settings);
      if (!outcome.ok) {
        this.opts.metrics?.recordReview('inject', 'malformed');
        return reply.code(400).send(status(400, outcome.message));
      }
      this.opts.metrics?.recordReview('inject', outcome.result);
      const fields = { ...outcome.pod, uid: outcome.review.response.uid, result: outcome.result, reason: outcome.reason };
      if (outcome.result === 'denied') this.logger.info(fields, 'sidecar injection refused');
      else this.logger.debug(fields, 'sidecar injection review answered');
      return reply.code(200).send(outcome.review);
    });
  }

  /** Listens and returns the bound port (port 0 picks a free one). */
  async start(): Promise<number> {
    await this.app.listen({ host: this.opts.host, port: this.opts.port });
    this.started = true;
    this.logger.info({ port: this.port, host: this.opts.host }, `admission webhooks listening (HTTPS): /admitpilot, /admitmixer${this.opts.injection ? `, ${INJECT_PATH}` : ''}`);
    if (this.opts.reload) {
      this.lastMtimes = await this.mtimes();
      this.reloadTimer = setInterval(() => void this.reloadIfChanged(), this.opts.reload.intervalMs ?? 60_000);
    }
    return this.port;
  }

  /** The bound port (after start). */
  get port(): number {
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /** Stops listening; in-flight reviews finish. Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.reloadTimer);
    if (!this.started) return;
    this.started = false;
    await this.app.close();
  }

  /** Serves renewed certificate files (a rotated Secret) without a restart. */
  private async reloadIfChanged(): Promise<void> {
    const reload = this.opts.reload!;
    try {
      const mtimes = await this.mtimes();
      if (mtimes === this.lastMtimes) return;
      const pair = await readPair(reload.certFile, reload.keyFile);
      (this.app.server as Server).setSecureContext({ cert: pair.certPem, key: pair.keyPem });
      this.lastMtimes = mtimes;
      this.logger.info({ certFile: reload.certFile }, 'webhook certificate reloaded');
    } catch (err) {
      this.logger.error({ err }, 'could not reload the webhook certificate; still serving the previous one');
    }
  }

  private async mtimes(): Promise<string> {
    const { certFile, keyFile } = this.opts.reload!;
    const [c, k] = await Promise.all([fs.stat(certFile), fs.stat(keyFile)]);
    return `${c.mtimeMs}/${k.mtimeMs}`;
  }
}

function status(code: number, message: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, message };
}
