import http from 'node:http';
import type { Logger } from '@mesh/runtime';
import type { AppContext } from './handlers.js';
import { HANDLERS } from './handlers.js';

/** One sample-app service as an HTTP server. */
export class SampleAppServer {
  private readonly server: http.Server;

  constructor(
    private readonly ctx: AppContext,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.keepAliveTimeout = 30000;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app');
    let status = 500;
    let body: unknown;
    try {
      if (url.pathname === '/healthz') ({ status, body } = { status: 200, body: { status: 'ok' } });
      else if (req.method !== 'GET') ({ status, body } = { status: 405, body: { error: 'only GET is served' } });
      else ({ status, body } = await HANDLERS[this.ctx.service](this.ctx, url, req.headers));
    } catch (err) {
      this.logger.error({ err }, 'handler failed');
      body = { error: 'internal error' };
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Listens; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Stops accepting and closes idle connections. Idempotent. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}
