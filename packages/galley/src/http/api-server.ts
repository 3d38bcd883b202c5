import type { Logger } from '@mesh/runtime';
import type { FastifyInstance } from 'fastify';

/** Where the config API listens. */
export interface ApiServerOptions {
  app: FastifyInstance;
  host: string;
  /** 0 picks a free port (logged). */
  port: number;
  logger: Logger;
}

/** Runs a built config API on a port, and drains it on stop. */
export class ApiServer {
  private started = false;

  constructor(private readonly opts: ApiServerOptions) {}

  /** Listens and returns the bound port. */
  async start(): Promise<number> {
    await this.opts.app.listen({ host: this.opts.host, port: this.opts.port });
    this.started = true;
    this.opts.logger.info({ port: this.port, host: this.opts.host }, 'config API listening');
    return this.port;
  }

  /** The bound port (after start). */
  get port(): number {
    const addr = this.opts.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /**
   * Stops accepting connections and waits for in-flight requests, at most `drainMs`; then
   * closes whatever is left so shutdown cannot hang on a stuck client. Idempotent.
   */
  async stop(drainMs = 5000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), drainMs)));
    const closed = this.opts.app.close().then(() => 'closed' as const);
    const outcome = await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.opts.logger.warn({ drainMs }, 'in-flight requests did not finish in time; closing their connections');
      this.opts.app.server.closeAllConnections();
      await closed;
    }
  }
}
