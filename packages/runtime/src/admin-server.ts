import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';
import type { ProcessMetrics } from './metrics.js';

/** A named readiness condition (caches synced, NATS connected, first snapshot built …). */
export type ReadinessCheck = () => boolean;

/** The set of conditions `/healthz/ready` reports; ready only when every one holds. */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  /** Adds or replaces a condition. */
  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Marks the process as shutting down: never ready again. */
  drain(): void {
    this.draining = true;
  }

  /** Each condition's state, plus `draining`. */
  status(): { ready: boolean; checks: Record<string, boolean> } {
    const checks: Record<string, boolean> = {};
    for (const [name, check] of this.checks) checks[name] = safe(check);
    if (this.draining) checks['draining'] = false;
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}

function safe(check: ReadinessCheck): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

export interface AdminServerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: ProcessMetrics;
  readiness: Readiness;
}

/** The monitoring server every process runs: liveness, readiness, Prometheus metrics, debug routes. */
export class AdminServer {
  /** Add debug routes to this instance before {@link start}. */
  readonly app: FastifyInstance;
  private started = false;

  constructor(private readonly opts: AdminServerOptions) {
    this.app = Fastify({ logger: false });
    // Liveness means the event loop answers; it never depends on other processes.
    this.app.get('/healthz/live', async () => ({ status: 'ok' }));
    this.app.get('/healthz/ready', async (_req, reply) => {
      const s = opts.readiness.status();
      return reply.code(s.ready ? 200 : 503).send({ status: s.ready ? 'ready' : 'not ready', checks: s.checks });
    });
    this.app.get('/metrics', (req, reply) => {
      reply.hijack();
      opts.metrics.exporter.getMetricsRequestHandler(req.raw, reply.raw);
    });
  }

  /** Listens and returns the bound port (port 0 picks a free one). */
  async start(): Promise<number> {
    await this.app.listen({ host: this.opts.host, port: this.opts.port });
    this.started = true;
    const port = this.port;
    this.opts.logger.info({ port, host: this.opts.host }, 'admin server listening');
    return port;
  }

  /** The bound port (after start). */
  get port(): number {
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.app.close();
  }
}
