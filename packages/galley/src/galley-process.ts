import { readFile } from 'node:fs/promises';
import { AdminServer, connectNats, createProcessMetrics, Readiness } from '@mesh/runtime';
import type { Logger, NatsConnection, Stoppable } from '@mesh/runtime';
import { precompileValidators } from '@mesh/shared-api';
import { startAnalysis } from './analysis-service/start-analysis.js';
import type { RunningAnalysis } from './analysis-service/start-analysis.js';
import { NO_ACCESS_CONFIGURED, TokenAuthenticator } from './auth/authenticator.js';
import { readTokenFile } from './auth/token-file.js';
import { readTokensFile } from './auth/tokens-file.js';
import { AtomicApplier } from './apply/atomic-apply.js';
import type { GalleySettings } from './config.js';
import { ApiServer } from './http/api-server.js';
import { buildApp } from './http/app.js';
import { createGalleyMetrics } from './metrics.js';
import { NatsConnectionState } from './nats/connection-state.js';
import { startSources } from './sources/start-sources.js';
import type { RunningSources } from './sources/start-sources.js';
import { KvConfigStore } from './store/kv-config-store.js';

/** A started Galley: its bound ports, its readiness, and an idempotent stop. */
export interface RunningGalley extends Stoppable {
  readonly apiPort: number;
  readonly adminPort: number;
  /** The admission webhooks' port, when they are enabled. */
  readonly webhookPort?: number;
  readonly readiness: Readiness;
}

/**
 * Builds and starts Galley's components from settings: admin server first (live at once, ready
 * only when NATS is connected and the bucket open), then NATS, the store and the config API.
 * A failure part-way closes what was already started before it is rethrown.
 */
export async function startGalley(settings: GalleySettings, logger: Logger): Promise<RunningGalley> {
  const tokenFile: string | undefined = settings.tokenFile;
  const token = tokenFile ? await readTokenFile(tokenFile) : undefined;
  const tokensFile: string | undefined = settings.tokensFile;
  const tokens = tokensFile ? await readTokensFile(tokensFile) : undefined;
  const tls = await readApiTls(settings);
  if (settings.anonymous) logger.warn('anonymous access to the config API is on (MESH_GALLEY_ANONYMOUS=true): for local demos and tests only');
  else if (!token && !tokens) logger.warn(`${NO_ACCESS_CONFIGURED}; until then every API request is refused with 401`);

  const metrics = createProcessMetrics('mesh-galley');
  const readiness = new Readiness();
  let started = false;
  readiness.add('started', () => started);
  const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger, metrics, readiness });
  let nc: NatsConnection | undefined;
  let store: KvConfigStore | undefined;
  let api: ApiServer | undefined;
  let analysis: RunningAnalysis | undefined;
  let sources: RunningSources | undefined;

  const close = async (): Promise<void> => {
    readiness.drain();
    await api?.stop(settings.drainMs);
    await sources?.stop();
    store?.close();
    await analysis?.stop();
    await closeNats(nc, logger);
    await admin.stop();
    await metrics.shutdown();
  };

  try {
    await admin.start();
    // Compile every kind's schema validator before serving, so no API request pays for it.
    precompileValidators();
    // Galley makes one or two NATS requests per API write: skip the per-request stack capture (measured: ~8% of its CPU).
    nc = await connectNats({ url: settings.natsUrl, name: 'mesh-galley', timeoutMs: settings.natsConnectTimeoutMs, logger, noAsyncTraces: true });
    const natsState = new NatsConnectionState(nc, logger);
    readiness.add('nats-connected', () => natsState.isConnected);
    const openStore = await KvConfigStore.open({ nc, logger });
    store = openStore;
    readiness.add('config-bucket', () => openStore.isOpen);
    const applier = await AtomicApplier.open({ nc, store: openStore, logger });
    // Undo what a crashed Galley's unfinished atomic apply left behind (in the background: another replica may hold the lock).
    void applier.recover().catch((err: unknown) => logger.warn({ err }, 'could not check for unfinished atomic applies at start-up; the next apply will'));
    const openAnalysis = startAnalysis({ nc, logger, domainSuffix: settings.domainSuffix, writtenRevision: () => openStore.lastWrittenRevision });
    analysis = openAnalysis;
    // Analysis reads a copy of the bucket: load it before serving, so the first writes are judged on all config.
    if (!(await openAnalysis.whenSynced(settings.natsConnectTimeoutMs))) logger.warn('analysis has not loaded the config yet; it keeps trying');
    const app = buildApp({
      store: openStore,
      authenticator: new TokenAuthenticator({ anonymous: settings.anonymous, token, tokens }),
      applier,
      tls,
      logger,
      metrics: createGalleyMetrics(metrics.meter),
      admissionWarnings: settings.admissionWarnings ? openAnalysis.admissionWarnings : undefined,
    });
    await openAnalysis.registerRoutes(app);
    api = new ApiServer({ app, host: settings.apiHost, port: settings.apiPort, logger });
    await api.start();
    // CRD watch, config directory and admission webhooks, each as the settings say (all off by default).
    sources = await startSources({ settings, store: openStore, logger, meter: metrics.meter, readiness, admissionWarnings: settings.admissionWarnings ? openAnalysis.admissionWarnings : undefined });
  } catch (err) {
    await close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, 'error while cleaning up after a failed start'));
    throw err;
  }
  started = true;
  logger.info({ apiPort: api.port, adminPort: admin.port }, 'galley ready');

  let stopping: Promise<void> | undefined;
  const apiPort = api.port;
  return {
    apiPort,
    adminPort: admin.port,
    webhookPort: sources?.webhookPort,
    readiness,
    stop: () => (stopping ??= close()),
  };
}

/** The config API's certificate and key, when HTTPS is configured (both files, or neither). */
async function readApiTls(settings: GalleySettings): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const certFile: string | undefined = settings.apiTlsCertFile;
  const keyFile: string | undefined = settings.apiTlsKeyFile;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('set both MESH_GALLEY_API_TLS_CERT_FILE and MESH_GALLEY_API_TLS_KEY_FILE to serve the config API over HTTPS, or neither');
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`cannot read the config API's TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
  };
  return { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
}

/** Drains NATS so queued event publishes are flushed, falling back to close. */
async function closeNats(nc: NatsConnection | undefined, logger: Logger): Promise<void> {
  if (!nc || nc.isClosed()) return;
  try {
    await nc.drain();
  } catch (err) {
    logger.debug({ err }, 'NATS drain failed; closing');
    await nc.close();
  }
}
