import type { KvWatchEntry } from '@nats-io/kv';
import type { Logger, NatsConnection } from '@mesh/runtime';
import { CONFIG_BUCKET } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { ConfigIndex } from '../analysis/config-index.js';
import { resourceKey } from '../analysis/spec-access.js';
import { KvFollower } from '@mesh/runtime';

/** Options of {@link ConfigMirror}. */
export interface ConfigMirrorOptions {
  nc: NatsConnection;
  logger: Logger;
  /** DNS suffix of service hosts, for the host indexes. */
  domainSuffix: string;
  bucket?: string;
  retryMs?: number;
}

/**
 * An in-memory copy of every stored config object (all kinds, all namespaces) following the
 * config bucket, kept as a {@link ConfigIndex} updated one change at a time, so analysis never
 * makes a KV round trip per object nor re-reads the whole config for one write.
 */
export class ConfigMirror {
  /** KV key → index key of the object stored there. */
  private readonly keys = new Map<string, string>();
  private index: ConfigIndex;
  private readonly domainSuffix: string;
  private readonly follower: KvFollower;
  private readonly logger: Logger;

  constructor(opts: ConfigMirrorOptions) {
    this.logger = opts.logger.child({ component: 'config-mirror' });
    this.domainSuffix = opts.domainSuffix;
    this.index = new ConfigIndex(opts.domainSuffix);
    this.follower = new KvFollower({
      nc: opts.nc,
      bucket: opts.bucket ?? CONFIG_BUCKET,
      logger: opts.logger,
      retryMs: opts.retryMs,
      handler: {
        reset: (entries) => {
          this.keys.clear();
          this.index = new ConfigIndex(this.domainSuffix);
          for (const e of entries.values()) this.put(e);
        },
        change: (e) => (e.operation === 'PUT' ? this.put(e) : this.remove(e.key)),
      },
    });
  }

  /** True once the bucket (or its absence) has been loaded. */
  get synced(): boolean {
    return this.follower.synced;
  }

  start(): void {
    this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** Waits (up to `timeoutMs`) until every write stored before the call is in the mirror. */
  catchUp(timeoutMs: number): Promise<boolean> {
    return this.follower.catchUp(timeoutMs);
  }

  /** Waits (up to `timeoutMs`) until the write at `revision` and every earlier one is in the mirror. */
  catchUpTo(revision: number, timeoutMs: number): Promise<boolean> {
    return this.follower.waitForRevision(revision, timeoutMs);
  }

  /** Every stored object now, indexed (read only: it changes as the bucket does). */
  config(): ConfigIndex {
    return this.index;
  }

  private remove(key: string): void {
    const indexKey = this.keys.get(key);
    if (indexKey !== undefined) this.index.delete(indexKey);
    this.keys.delete(key);
  }

  private put(e: KvWatchEntry): void {
    this.remove(e.key);
    try {
      const obj = e.json<ConfigResource>();
      if (typeof obj?.kind !== 'string' || typeof obj.metadata?.name !== 'string') throw new Error('not a config object');
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(e.revision) } };
      this.index.put(stored);
      this.keys.set(e.key, resourceKey(stored));
    } catch (err) {
      this.logger.warn({ err, key: e.key, revision: e.revision }, 'stored value is not a config object; not analysed');
    }
  }
}
