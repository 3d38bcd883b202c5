import * as grpc from '@grpc/grpc-js';
import { AdminServer, bindGrpc, createProcessMetrics, Readiness, stopGrpc } from '@mesh/runtime';
import type { Logger, Stoppable } from '@mesh/runtime';
import { MixerMetrics } from './admin/mixer-metrics.js';
import { registerDebugRoutes } from './admin/debug-routes.js';
import { allowAllPolicy } from './check/allow-check.js';
import { mixerSettingsProblems } from './config.js';
import type { MixerSettings } from './config.js';
import { createMixerHandlers, mixerServiceDefinition } from './grpc/mixer-grpc-service.js';
import { ReportLedger } from './report/report-ledger.js';

/** A started Mixer: its bound ports, its ledger, and an idempotent stop. */
export interface RunningMixer extends Stoppable {
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly ledger: ReportLedger;
}

/** `host:port` for grpc-js, with brackets around an IPv6 host. */
function grpcAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Builds and starts Mixer: the gRPC server (Check, Report) and the admin server (health, metrics,
 * /debug/reports). Ready once the gRPC port is bound. Stop: not ready → drain gRPC for up to
 * `drainMs` → close admin → flush metrics.
 */
export async function startMixer(settings: MixerSettings, logger: Logger): Promise<RunningMixer> {
  const problems = mixerSettingsProblems(settings);
  if (problems.length > 0) throw new Error(problems.join('; '));

  const metrics = createProcessMetrics('mesh-mixer');
  const readiness = new Readiness();
  const ledger = new ReportLedger({ maxServices: settings.ledgerMaxServices });
  const handlers = createMixerHandlers({
    ledger,
    metrics: new MixerMetrics(metrics.meter),
    check: allowAllPolicy({ validDurationMs: settings.checkValidDurationMs, validUseCount: settings.checkValidUseCount }),
    logger: logger.child({ component: 'mixer-grpc' }),
  });

  const server = new grpc.Server();
  server.addService(mixerServiceDefinition(), handlers);
  let grpcPort: number;
  try {
    grpcPort = await bindGrpc(server, grpcAddress(settings.grpcHost, settings.grpcPort));
  } catch (err) {
    await metrics.shutdown();
    throw new Error(`cannot listen for gRPC on ${grpcAddress(settings.grpcHost, settings.grpcPort)}: ${(err as Error).message}`, { cause: err });
  }
  logger.info({ grpcPort, host: settings.grpcHost }, 'Mixer gRPC (Check, Report) listening');
  // Serving from here on; on stop, readiness.drain() turns /healthz/ready off first.
  readiness.add('grpc', () => true);

  const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger: logger.child({ component: 'admin' }), metrics, readiness });
  registerDebugRoutes(admin.app, ledger);
  let adminPort: number;
  try {
    adminPort = await admin.start();
  } catch (err) {
    server.forceShutdown();
    await metrics.shutdown();
    throw new Error(`cannot start the admin server on ${settings.adminHost}:${settings.adminPort}: ${(err as Error).message}`, { cause: err });
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      readiness.drain();
      await stopGrpc(server, settings.drainMs);
      await admin.stop();
      await metrics.shutdown();
    })();
    return stopping;
  };
  return { grpcPort, adminPort, ledger, stop };
}
