import type { Logger, NatsConnection } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import type { FastifyInstance } from 'fastify';
import type { ApplyLockTiming } from '../apply/apply-lock.js';
import { AtomicApplier } from '../apply/atomic-apply.js';
import type { AuthConfig } from '../auth/authenticator.js';
import { TokenAuthenticator } from '../auth/authenticator.js';
import { buildApp } from '../http/app.js';
import type { GalleyMetrics } from '../metrics.js';
import { KvConfigStore } from '../store/kv-config-store.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';

/** An in-process Galley API over a caller-owned NATS connection, driven with `app.inject()`. */
export interface TestGalley {
  readonly app: FastifyInstance;
  readonly store: KvConfigStore;
  readonly applier: AtomicApplier;
  /** Closes the app and marks the store closed; the NATS connection stays the caller's. */
  close(): Promise<void>;
}

/** What a test Galley is built with; anonymous unless `auth` says otherwise. */
export interface TestGalleyOptions {
  nc: NatsConnection;
  auth?: AuthConfig;
  logger?: Logger;
  metrics?: GalleyMetrics;
  admissionWarnings?: AdmissionWarningsHook;
  /** Atomic-apply lock timing (tests of crashed holders use short leases). */
  lockTiming?: ApplyLockTiming;
  /** JetStream request timeout (ms). */
  timeoutMs?: number;
}

/** Builds a Galley API for tests, with the atomic apply endpoint. */
export async function createTestGalley(opts: TestGalleyOptions): Promise<TestGalley> {
  const logger = opts.logger ?? silentLogger();
  const store = await KvConfigStore.open({ nc: opts.nc, logger, timeoutMs: opts.timeoutMs });
  const applier = await AtomicApplier.open({ nc: opts.nc, store, logger, timing: opts.lockTiming, timeoutMs: opts.timeoutMs });
  const app = buildApp({
    store,
    authenticator: new TokenAuthenticator(opts.auth ?? { anonymous: true }),
    logger,
    metrics: opts.metrics,
    admissionWarnings: opts.admissionWarnings,
    applier,
  });
  await app.ready();
  return {
    app,
    store,
    applier,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}
