import os from 'node:os';
import { AdminServer, connectNats, createProcessMetrics, Readiness } from '@mesh/runtime';
import type { Logger, NatsConnection, Stoppable } from '@mesh/runtime';
import { registryPublisherId } from '@mesh/shared-api';
import { registerDebugRoutes } from './admin/debug-routes.js';
import { PilotMetrics } from './admin/pilot-metrics.js';
import { meshSettingsOf, validatePilotSettings } from './config.js';
import type { PilotSettings } from './config.js';
import { KvConfigSource } from './config-source/kv-config-source.js';
import { MemoryConfigStore } from './model/config-store.js';
import { followJwks } from './security/follow-jwks.js';
import { AggregateServiceRegistry } from './registry/aggregate-registry.js';
import { RegistryPublisher } from './registry/registry-publisher.js';
import { ServiceEntryRegistry } from './registry/service-entry-registry.js';
import { WorkloadRegistry } from './registry/workload-registry.js';
import { AdsServer } from './xds/ads-server.js';
import { DiscoveryService } from './xds/discovery-service.js';
import { describeXdsCertificate, xdsServerCredentials } from './xds/xds-tls.js';

/** A started Pilot: its bound ports, and `stop()` for SIGTERM. */
export interface RunningPilot extends Stoppable {
  xdsPort: number;
  /** The mTLS xDS port, when Pilot has a certificate (MESH_PILOT_TLS_*_FILE). */
  xdsTlsPort?: number;
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
    const serviceEntries = new ServiceEntryRegistry(store);
    cleanups.push(async () => serviceEntries.stop());
    // @kubernetes/client-node is loaded only when the Kubernetes registry is on: it is a large module graph (start-up time, ~50 MB of memory).
    const kubeModule = settings.kubeRegistry ? await import('./registry/kube/kube-registry.js') : undefined;
    const kube =
      settings.kubeRegistry && kubeModule
        ? new kubeModule.KubeServiceRegistry({ kubeConfig: kubeModule.loadKubeConfig(settings.kubeRegistry), domainSuffix: settings.domainSuffix, logger, onError: () => pilotMetrics.configWatchError() })
        : undefined;
    if (kube) cleanups.push(() => kube.stop());
    // First registry wins a hostname: registered workloads (local mode), Kubernetes, then ServiceEntries, as in Istio.
    const registry = new AggregateServiceRegistry([workloads, ...(kube ? [kube] : []), serviceEntries]);
    // Pilot fetches the JWKS of jwksUris and inlines them (Istio's JwksResolver); a change is pushed.
    const jwks = followJwks(store, settings, logger, metrics.meter, () => discovery.jwksChanged());
    cleanups.push(async () => jwks.stop());
    const discovery = new DiscoveryService({
      jwks: () => jwks.resolver.keys(),
      config: store,
      registry,
      workloads,
      mesh: meshSettingsOf(settings),
      debounceMs: settings.debounceMs,
      debounceMaxMs: settings.debounceMaxMs,
      pushConcurrency: settings.pushConcurrency,
      isSynced: () => source.synced && (kube?.isSynced ?? true),
      logger,
      metrics: pilotMetrics,
    });
    cleanups.push(async () => discovery.stop());
    // Galley's analysis reads the registry from NATS (contract: shared-api registry/mesh-registry.ts).
    const publisher = new RegistryPublisher({
      nc,
      registry,
      workloads,
      publisher: registryPublisherId(`pilot-${os.hostname()}-${process.pid}`),
      logger,
      debounceMs: settings.debounceMs,
      onError: () => pilotMetrics.registryPublishError(),
    });
    publisher.start();
    cleanups.push(() => publisher.stop());
    source.start();
    void source.whenSynced().then(() => discovery.configSynced());
    if (kube) await kube.start();

    const ads = new AdsServer(discovery, logger, settings.trustDomain);
    const xdsPort = await ads.start(settings.xdsHost, settings.xdsPort);
    cleanups.push(() => ads.stop(settings.drainMs));
    const xdsTlsPort = await startXdsTls(ads, settings, logger);

    readiness.add('config-synced', () => source.synced);
    readiness.add('xds-listening', () => ads.port !== undefined);
    if (kube) readiness.add('kube-synced', () => kube.isSynced);
    const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger, metrics, readiness });
    registerDebugRoutes(admin.app, discovery);
    const adminPort = await admin.start();
    // The admin server goes last but one, so /healthz/ready reports "not ready" while the rest drains.
    cleanups.splice(1, 0, () => admin.stop());

    let stopping: Promise<void> | undefined;
    return {
      xdsPort,
      ...(xdsTlsPort !== undefined ? { xdsTlsPort } : {}),
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

/** Serves the mTLS xDS port when Pilot's certificate files are set; the plaintext port stays for local use. */
async function startXdsTls(ads: AdsServer, settings: PilotSettings, logger: Logger): Promise<number | undefined> {
  if (settings.tlsCertFile === undefined || settings.tlsKeyFile === undefined || settings.tlsRootCertFile === undefined) {
    logger.info('no Pilot certificate (MESH_PILOT_TLS_CERT_FILE): the mTLS xDS port is not served');
    return undefined;
  }
  const files = { certFile: settings.tlsCertFile, keyFile: settings.tlsKeyFile, rootCertFile: settings.tlsRootCertFile, refreshMs: settings.tlsRefreshMs };
  const cert = describeXdsCertificate(files);
  const port = await ads.startTls(settings.xdsHost, settings.xdsTlsPort, xdsServerCredentials(files));
  logger.info({ port, identity: cert.identity, notAfter: cert.notAfter }, 'mTLS xDS port uses this certificate');
  return port;
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
