import type { AdminServer, ProcessMetrics, Readiness } from '@mesh/runtime';
import type { SidecarStats } from '../proxy/stats.js';
import type { XdsState } from '../xds/xds-state.js';

/** What the sidecar's admin endpoints read. */
export interface SidecarAdminDeps {
  readonly readiness: Readiness;
  readonly state: XdsState;
  readonly stats: SidecarStats;
  readonly metrics: ProcessMetrics;
  /** Node id and metadata sent to Pilot, shown in /config_dump. */
  readonly node: () => { id: string; metadata: unknown; pilot: string };
  /** Starts a graceful exit (what SIGTERM does). */
  readonly quit: () => void;
}

/**
 * Envoy's admin endpoints that operators and scripts reach for
 * (https://www.envoyproxy.io/docs/envoy/latest/operations/admin), on the runtime's admin server
 * (which also serves /healthz/live, /healthz/ready and /metrics). Bound to loopback: POST
 * /quitquitquit must not be reachable from other hosts.
 */
export function registerSidecarAdminRoutes(admin: AdminServer, deps: SidecarAdminDeps): void {
  const { app } = admin;
  app.get('/ready', async (_req, reply) => {
    const s = deps.readiness.status();
    const state = s.ready ? 'LIVE' : s.checks['draining'] === false ? 'DRAINING' : 'PRE_INITIALIZING';
    return reply
      .code(s.ready ? 200 : 503)
      .type('text/plain')
      .send(`${state}\n`);
  });
  app.get('/config_dump', async (_req, reply) => reply.type('application/json').send(JSON.stringify({ node: deps.node(), xds: deps.state.dump() }, null, 2)));
  app.get('/stats', async (_req, reply) => reply.type('text/plain').send(deps.stats.render()));
  app.get('/stats/prometheus', (req, reply) => {
    reply.hijack();
    deps.metrics.exporter.getMetricsRequestHandler(req.raw, reply.raw);
  });
  app.post('/quitquitquit', async (_req, reply) => {
    // Answer first; the exit drains listeners, which would otherwise wait on this very request.
    setImmediate(deps.quit);
    return reply.type('text/plain').send('OK\n');
  });
}
