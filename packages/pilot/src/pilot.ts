import { AdminServer, connectNats, createProcessMetrics, Readiness } from '@mesh/runtime';
import type { Logger, NatsConnection, Stoppable } from '@mesh/runtime';
import { registerDebugRoutes } from './admin/debug-routes.js';
import { PilotMetrics } from './admin/pilot-metrics.js';
import { validatePilotSettings } from './config.js';
import type { PilotSettings } from './config.js';
import { KvConfigSource } from './config-source/kv-config-source.js';
import { MemoryConfigStore } from './model/config-store.js';
import { AggregateServiceRegistry } from './registry/aggregate-registry.js';
import { WorkloadRegistry } from './registry/workload-registry.js';
import { AdsServer } from './xds/ads-server.js';
import { DiscoveryService } from './xds/discovery-service.js';

/** A started Pilot: its bound ports, and `stop()` for SIGTERM. */
export interface RunningPilot extends Stoppable {
  xdsPort: number;
  adminPort: number;
  discovery: DiscoveryService;
}

/**
 * Pilot's composition root: NATS → config source → registries → xDS server → admin server. Ready
 * once the config bucket is loaded and the xDS port is bound. `stop()`: not ready → end streams →
 * close gRPC → stop following config → close NATS → close admin.
 */
export async function startPilot(input: PilotSettings, logger: Logger): Promise<RunningPilot> {
  const settings = validatePilotSettings(input);
  const metrics = createProcessMetrics('mesh-pilot');
  const pilotMetrics = new PilotMetrics(metrics.meter);
  const readiness = new Readiness();
  const cleanups: (() => Promise<void>)[] = [() => metrics.shutdown()];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };
  try {
    const nc: NatsConnection = await connectNats({ url: settings.natsUrl, name: 'mesh-pilot', timeoutMs: settings.natsConnectTimeoutMs, logger });
    cleanups.push(() => closeNats(nc, settings.drainMs));

    const store = new MemoryConfigStore();
    const source = new KvConfigSource({ nc, store, logger, metrics: pilotMetrics });
    cleanups.push(() => source.stop());
    const workloads = new WorkloadRegistry();
    const discovery = new DiscoveryService({
      config: store,
      registry: new AggregateServiceRegistry([workloads]),
      workloads,
      domainSuffix: settings.domainSuffix,
      debounceMs: settings.debounceMs,
      debounceMaxMs: settings.debounceMaxMs,
      isSynced: () => source.synced,
      logger,
      metrics: pilotMetrics,
    });
    cleanups.push(async () => discovery.stop());
    source.start();
    void source.whenSynced().then(() => discovery.configSynced());

    const ads = new AdsServer(discovery, logger);
    const xdsPort = await ads.start(settings.xdsHost, settings.xdsPort);
    cleanups.push(() => ads.stop(settings.drainMs));

    readiness.add('config-synced', () => source.synced);
    readiness.add('xds-listening', () => ads.port !== undefined);
    const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger, metrics, readiness });
    registerDebugRoutes(admin.app, discovery);
    const adminPort = await admin.start();
    // The admin server goes last but one, so /healthz/ready reports "not ready" while the rest drains.
    cleanups.splice(1, 0, () => admin.stop());

    let stopping: Promise<void> | undefined;
    return {
      xdsPort,
      adminPort,
      discovery,
      stop: () => {
        readiness.drain();
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Drains NATS (flushes what is pending), closing it outright if that takes longer than `timeoutMs`. */
async function closeNats(nc: NatsConnection, timeoutMs: number): Promise<void> {
  if (nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const drained = await Promise.race([nc.drain().then(() => 'drained' as const, () => 'failed' as const), timeout]);
  clearTimeout(timer);
  if (drained !== 'drained' && !nc.isClosed()) await nc.close();
}
