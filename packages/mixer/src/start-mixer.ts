import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AdminServer, bindGrpc, connectNats, createProcessMetrics, Readiness, stopGrpc } from '@mesh/runtime';
import type { Logger, NatsConnection, Stoppable } from '@mesh/runtime';
import type { MixerAdapter } from '@mesh/shared-api';
import { MixerMetrics } from './admin/mixer-metrics.js';
import { registerDebugRoutes } from './admin/debug-routes.js';
import { dispatchPolicy } from './check/dispatch-policy.js';
import { mixerSettingsProblems } from './config.js';
import type { MixerSettings } from './config.js';
import { createMixerHandlers, mixerServiceDefinition } from './grpc/mixer-grpc-service.js';
import { KvMixerConfigSource } from './nats/kv-mixer-config-source.js';
import { ReportLedger } from './report/report-ledger.js';
import { MixerRuntime } from './runtime/mixer-runtime.js';

/** A started Mixer: its bound ports, its ledger and runtime, and an idempotent stop. */
export interface RunningMixer extends Stoppable {
  readonly grpcPort: number;
  readonly adminPort: number;
  /** The adapter metrics port (prometheus adapter output at /metrics); undefined when not bound (see config). */
  readonly adapterMetricsPort: number | undefined;
  readonly ledger: ReportLedger;
  readonly runtime: MixerRuntime;
}

/** Extra start options (tests). */
export interface StartMixerOptions {
  /** Adapters by name, in addition to the built-in ones. */
  adapters?: ReadonlyMap<string, MixerAdapter>;
}

/** Istio 1.4's adapter metrics port (the prometheus adapter's /metrics). */
const DEFAULT_ADAPTER_METRICS_PORT = 42422;

/** `host:port` for grpc-js, with brackets around an IPv6 host. */
function grpcAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/**
 * Builds and starts Mixer: the config source (Galley's KV bucket over NATS) feeding the runtime
 * (rules → instances → handlers), the gRPC server (Check, Report), the adapter metrics server
 * (42422) and the admin server (health, metrics, /debug/reports, /debug/config). Ready once the
 * gRPC port is bound and the first config was applied. Stop: not ready → drain gRPC → stop
 * following config → close adapters → close servers → flush metrics.
 */
export async function startMixer(settings: MixerSettings, logger: Logger, options: StartMixerOptions = {}): Promise<RunningMixer> {
  const problems = mixerSettingsProblems(settings);
  if (problems.length > 0) throw new Error(problems.join('; '));

  const metrics = createProcessMetrics('mesh-mixer');
  const mixerMetrics = new MixerMetrics(metrics.meter);
  const handlerErrors = metrics.meter.createCounter('mixer_adapter_errors_total', { description: 'adapter handler calls that failed, by handler and operation' });
  // Mixer's CPU on its own /metrics, so that load tests can measure it from outside.
  metrics.meter.createObservableCounter('mixer_process_cpu_seconds_total', { description: 'user + system CPU time of the Mixer process (s)' }).addCallback((r) => {
    const u = process.cpuUsage();
    r.observe((u.user + u.system) / 1e6);
  });
  const readiness = new Readiness();
  const ledger = new ReportLedger({ maxServices: settings.ledgerMaxServices });
  const runtime = new MixerRuntime({
    logger: logger.child({ component: 'mixer-runtime' }),
    adapterPath: settings.adapterPath.split(path.delimiter).filter((p) => p !== ''),
    defaultNamespace: settings.configDefaultNamespace,
    adapterSettings: { redisKeyPrefix: settings.redisKeyPrefix },
    onHandlerError: (handler, op) => handlerErrors.add(1, { handler, op }),
    ...(options.adapters ? { adapters: options.adapters } : {}),
  });
  const defaults = { validDurationMs: settings.checkValidDurationMs, validUseCount: settings.checkValidUseCount };

  let nc: NatsConnection | undefined;
  let source: KvMixerConfigSource | undefined;
  if (settings.configSource === 'nats') {
    nc = await connectNats({ url: settings.natsUrl, name: 'mesh-mixer', timeoutMs: settings.natsConnectTimeoutMs, logger });
    source = new KvMixerConfigSource({ nc, logger, onChange: (resources) => runtime.apply(resources) });
    source.start();
    readiness.add('config-synced', () => source!.isSynced);
  }

  const handlers = createMixerHandlers({
    ledger,
    metrics: mixerMetrics,
    // With no config (or MESH_MIXER_CONFIG_SOURCE=none) the runtime allows everything, like allowAllPolicy.
    check: dispatchPolicy(runtime, defaults),
    onReport: (bags) => runtime.dispatcher.report(bags),
    logger: logger.child({ component: 'mixer-grpc' }),
  });

  const cleanup = async (): Promise<void> => {
    await source?.stop();
    await runtime.close();
    await nc?.close();
    await metrics.shutdown();
  };

  // No channelz: its per-call accounting is CPU on every Check and Report, and nothing reads it.
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(mixerServiceDefinition(), handlers);
  let grpcPort: number;
  try {
    grpcPort = await bindGrpc(server, grpcAddress(settings.grpcHost, settings.grpcPort));
  } catch (err) {
    await cleanup();
    throw new Error(`cannot listen for gRPC on ${grpcAddress(settings.grpcHost, settings.grpcPort)}: ${(err as Error).message}`, { cause: err });
  }
  logger.info({ grpcPort, host: settings.grpcHost }, 'Mixer gRPC (Check, Report) listening');
  readiness.add('grpc', () => true);

  const adapterMetrics = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found: adapter metrics are at /metrics\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(runtime.prometheusText());
  });
  const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger: logger.child({ component: 'admin' }), metrics, readiness });
  registerDebugRoutes(admin.app, ledger);
  admin.app.get('/debug/config', async () => runtime.describe());
  admin.app.get('/adapters/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(runtime.prometheusText()));
  let adminPort: number;
  let adapterMetricsPort: number | undefined;
  try {
    adapterMetricsPort = await listen(adapterMetrics, settings.adminHost, settings.adapterMetricsPort ?? DEFAULT_ADAPTER_METRICS_PORT).catch((err: NodeJS.ErrnoException) => {
      // Istio's port by default; on a shared host (local mode, tests) another Mixer may hold it.
      if (settings.adapterMetricsPort !== undefined || err.code !== 'EADDRINUSE') throw err;
      logger.warn({ port: DEFAULT_ADAPTER_METRICS_PORT }, 'adapter metrics port is taken: adapter metrics are served on the admin port at /adapters/metrics only');
      return undefined;
    });
    adminPort = await admin.start();
  } catch (err) {
    server.forceShutdown();
    adapterMetrics.close();
    await cleanup();
    throw new Error(`cannot start the admin servers on ${settings.adminHost}: ${(err as Error).message}`, { cause: err });
  }
  if (adapterMetricsPort !== undefined) logger.info({ adapterMetricsPort }, 'adapter metrics listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      readiness.drain();
      await stopGrpc(server, settings.drainMs);
      if (adapterMetrics.listening) await new Promise<void>((r) => adapterMetrics.close(() => r()));
      await admin.stop();
      await cleanup();
    })();
    return stopping;
  };
  return { grpcPort, adminPort, adapterMetricsPort, ledger, runtime, stop };
}
