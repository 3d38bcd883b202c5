import { AdminServer, connectNats, createProcessMetrics, Readiness } from '@mesh/runtime';
import type { Logger, NatsConnection, Stoppable } from '@mesh/runtime';
import { NO_ACCESS_CONFIGURED, TokenAuthenticator } from './auth/authenticator.js';
import { readTokenFile } from './auth/token-file.js';
import type { GalleySettings } from './config.js';
import { ApiServer } from './http/api-server.js';
import { buildApp } from './http/app.js';
import { createGalleyMetrics } from './metrics.js';
import { NatsConnectionState } from './nats/connection-state.js';
import { KvConfigStore } from './store/kv-config-store.js';

/** A started Galley: its bound ports, its readiness, and an idempotent stop. */
export interface RunningGalley extends Stoppable {
  readonly apiPort: number;
  readonly adminPort: number;
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
  if (settings.anonymous) logger.warn('anonymous access to the config API is on (MESH_GALLEY_ANONYMOUS=true): for local demos and tests only');
  else if (!token) logger.warn(`${NO_ACCESS_CONFIGURED}; until then every API request is refused with 401`);

  const metrics = createProcessMetrics('mesh-galley');
  const readiness = new Readiness();
  let started = false;
  readiness.add('started', () => started);
  const admin = new AdminServer({ host: settings.adminHost, port: settings.adminPort, logger, metrics, readiness });
  let nc: NatsConnection | undefined;
  let store: KvConfigStore | undefined;
  let api: ApiServer | undefined;

  const close = async (): Promise<void> => {
    readiness.drain();
    await api?.stop(settings.drainMs);
    store?.close();
    await closeNats(nc, logger);
    await admin.stop();
    await metrics.shutdown();
  };

  try {
    await admin.start();
    nc = await connectNats({ url: settings.natsUrl, name: 'mesh-galley', timeoutMs: settings.natsConnectTimeoutMs, logger });
    const natsState = new NatsConnectionState(nc, logger);
    readiness.add('nats-connected', () => natsState.isConnected);
    const openStore = await KvConfigStore.open({ nc, logger });
    store = openStore;
    readiness.add('config-bucket', () => openStore.isOpen);
    const app = buildApp({
      store: openStore,
      authenticator: new TokenAuthenticator({ anonymous: settings.anonymous, token }),
      logger,
      metrics: createGalleyMetrics(metrics.meter),
    });
    api = new ApiServer({ app, host: settings.apiHost, port: settings.apiPort, logger });
    await api.start();
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
    readiness,
    stop: () => (stopping ??= close()),
  };
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
