import type { KvWatchEntry } from '@nats-io/kv';
import { KvFollower } from '@mesh/runtime';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { CONFIG_BUCKET } from '@mesh/shared-api';
import type { PilotMetrics } from '../admin/pilot-metrics.js';
import type { MemoryConfigStore, StoredConfig } from '../model/config-store.js';
import type { PilotKind } from '../model/kinds.js';
import { decodeConfigEntry } from './decode-entry.js';
import type { DecodedEntry } from './decode-entry.js';

/** Options of {@link KvConfigSource}. */
export interface KvConfigSourceOptions {
  nc: NatsConnection;
  /** The cache this source keeps equal to the bucket. */
  store: MemoryConfigStore;
  logger: Logger;
  metrics?: PilotMetrics;
  bucket?: string;
  /** How often to look for the bucket while it does not exist, and the retry delay after a failure (ms). */
  retryMs?: number;
}

/**
 * Follows Galley's config bucket into a {@link MemoryConfigStore} through the shared
 * {@link KvFollower}: each (re)load of the bucket — the first, and after every NATS reconnect or
 * watch failure — replaces the store, so nothing is lost while NATS was away; later changes are
 * applied one by one. A bucket that does not exist yet means "no config" (the source is synced).
 */
export class KvConfigSource {
  private readonly logger: Logger;
  private readonly follower: KvFollower;
  private syncedFlag = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));

  constructor(private readonly opts: KvConfigSourceOptions) {
    this.logger = opts.logger.child({ component: 'kv-config-source' });
    this.follower = new KvFollower({
      nc: opts.nc,
      bucket: opts.bucket ?? CONFIG_BUCKET,
      logger: opts.logger,
      ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}),
      onError: () => opts.metrics?.configWatchError(),
      handler: { reset: (entries) => this.reset(entries), change: (e) => this.apply(decodeConfigEntry(e)) },
    });
  }

  /** True once the first full load is in the store (readiness). */
  get synced(): boolean {
    return this.syncedFlag;
  }

  /** Resolves when the first full load is in the store. */
  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  /** Starts loading and following in the background. */
  start(): void {
    this.follower.start();
  }

  /** Stops following. Idempotent. */
  async stop(): Promise<void> {
    await this.follower.stop();
  }

  private reset(entries: ReadonlyMap<string, KvWatchEntry>): void {
    const loaded = new Map<string, StoredConfig & { kind: PilotKind }>();
    let skipped = 0;
    for (const e of entries.values()) {
      const d = decodeConfigEntry(e);
      if (d.type === 'put') loaded.set(d.key, { key: d.key, revision: d.revision, resource: d.resource, kind: d.kind });
      else if (d.type === 'skip') {
        skipped++;
        this.logSkip(d);
      }
    }
    if (!this.follower.exists && (!this.syncedFlag || this.opts.store.size > 0)) this.logger.info('config bucket does not exist yet: no config');
    this.opts.store.replaceAll(loaded);
    if (this.follower.exists) this.logger.info({ objects: loaded.size, skipped }, 'config loaded');
    if (!this.syncedFlag) {
      this.syncedFlag = true;
      this.resolveSynced();
    }
  }

  private apply(d: DecodedEntry): void {
    switch (d.type) {
      case 'put':
        this.logger.debug({ key: d.key, revision: d.revision }, 'config changed');
        this.opts.store.put(d.kind, d);
        break;
      case 'delete':
        this.logger.debug({ key: d.key, revision: d.revision }, 'config deleted');
        this.opts.store.delete(d.key);
        break;
      case 'skip':
        this.logSkip(d);
        break;
    }
  }

  private logSkip(d: Extract<DecodedEntry, { type: 'skip' }>): void {
    // Other kinds are routine (Mixer, security config share the bucket); a broken value is not.
    if (d.untranslated) this.logger.debug({ key: d.key, reason: d.reason }, 'config entry skipped');
    else this.logger.warn({ key: d.key, reason: d.reason }, 'config entry skipped');
  }
}
