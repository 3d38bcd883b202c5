import type { Logger, NatsConnection } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import type { FastifyInstance } from 'fastify';
import type { AuthConfig } from '../auth/authenticator.js';
import { TokenAuthenticator } from '../auth/authenticator.js';
import { buildApp } from '../http/app.js';
import type { GalleyMetrics } from '../metrics.js';
import { KvConfigStore } from '../store/kv-config-store.js';

/** An in-process Galley API over a caller-owned NATS connection, driven with `app.inject()`. */
export interface TestGalley {
  readonly app: FastifyInstance;
  readonly store: KvConfigStore;
  /** Closes the app and marks the store closed; the NATS connection stays the caller's. */
  close(): Promise<void>;
}

/** Builds a Galley API for tests: anonymous unless `auth` says otherwise. */
export async function createTestGalley(opts: { nc: NatsConnection; auth?: AuthConfig; logger?: Logger; metrics?: GalleyMetrics }): Promise<TestGalley> {
  const logger = opts.logger ?? silentLogger();
  const store = await KvConfigStore.open({ nc: opts.nc, logger });
  const app = buildApp({ store, authenticator: new TokenAuthenticator(opts.auth ?? { anonymous: true }), logger, metrics: opts.metrics });
  await app.ready();
  return {
    app,
    store,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}
