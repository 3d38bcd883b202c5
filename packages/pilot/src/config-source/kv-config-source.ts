import { Kvm } from '@nats-io/kv';
import type { KV, KvWatchEntry } from '@nats-io/kv';
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

type Loaded = Map<string, StoredConfig & { kind: PilotKind }>;

/**
 * Follows Galley's config bucket into a {@link MemoryConfigStore}: a KV watch over all keys delivers
 * the last value of every key, then every later change. Each (re)start of the watch is a full reload
 * whose result replaces the store, so nothing is lost while NATS was away; the watch restarts after
 * every NATS reconnect and after any failure. A bucket that does not exist yet means "no config": the
 * source is synced, and looks for the bucket again every `retryMs`.
 */
export class KvConfigSource {
  private readonly logger: Logger;
  private readonly bucket: string;
  private readonly retryMs: number;
  private stopped = false;
  private syncedFlag = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));
  private watch: { stop(): void } | undefined;
  private statusIter: { stop(): void } | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: KvConfigSourceOptions) {
    this.logger = opts.logger.child({ component: 'kv-config-source' });
    this.bucket = opts.bucket ?? CONFIG_BUCKET;
    this.retryMs = opts.retryMs ?? 1000;
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
    if (this.loop) return;
    this.loop = this.run();
    void this.followConnectionStatus();
  }

  /** Stops following. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.statusIter?.stop();
    this.watch?.stop();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const kvm = new Kvm(this.opts.nc);
    while (!this.stopped) {
      try {
        const kv = await kvm.open(this.bucket);
        const found = await this.follow(kv);
        if (!found && !this.stopped) await this.sleep(this.retryMs);
      } catch (err) {
        if (this.stopped) break;
        this.opts.metrics?.configWatchError();
        this.logger.warn({ err, bucket: this.bucket }, 'config watch failed; reloading');
        await this.sleep(this.retryMs);
      }
    }
  }

  /**
   * One watch: full load, then follow until the watch ends. Returns false when the bucket does not exist.
   * The load is complete at the entry carrying the stream's last sequence as seen before the watch:
   * the watch delivers the last message of every key, and the stream's last message is one of them.
   */
  private async follow(kv: KV): Promise<boolean> {
    let lastSeq: number;
    let messages: number;
    try {
      const status = await kv.status();
      lastSeq = status.streamInfo.state.last_seq;
      messages = status.streamInfo.state.messages;
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      if (!this.syncedFlag || this.opts.store.size > 0) this.logger.info({ bucket: this.bucket }, 'config bucket does not exist yet: no config');
      this.opts.store.replaceAll(new Map());
      this.markSynced();
      return false;
    }
    const iter = await kv.watch({ key: '>' });
    this.watch = iter;
    if (this.stopped) iter.stop();
    let loading: Loaded | undefined = new Map();
    let skipped = 0;
    const finishLoad = (): void => {
      this.opts.store.replaceAll(loading!);
      this.logger.info({ objects: loading!.size, skipped, revision: lastSeq }, 'config loaded');
      loading = undefined;
      this.markSynced();
    };
    if (messages === 0) finishLoad();
    for await (const e of iter) {
      const decoded = decodeConfigEntry(e);
      if (loading) {
        if (decoded.type === 'skip') {
          skipped++;
          this.logSkip(decoded);
        }
        applyTo(loading, decoded);
        if (e.revision >= lastSeq) finishLoad();
      } else {
        this.apply(decoded, e);
      }
    }
    return true;
  }

  private apply(d: DecodedEntry, e: KvWatchEntry): void {
    switch (d.type) {
      case 'put':
        this.logger.debug({ key: d.key, revision: d.revision }, 'config changed');
        this.opts.store.put(d.kind, d);
        break;
      case 'delete':
        this.logger.debug({ key: d.key, revision: d.revision, op: e.operation }, 'config deleted');
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

  private markSynced(): void {
    if (this.syncedFlag) return;
    this.syncedFlag = true;
    this.resolveSynced();
  }

  /** After a reconnect the server may have lost our consumer or missed deliveries: reload from scratch. */
  private async followConnectionStatus(): Promise<void> {
    // The client's status iterator can be stopped (QueuedIterator) although typed as AsyncIterable.
    const iter = this.opts.nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
    this.statusIter = { stop: () => iter.stop?.() };
    try {
      for await (const s of iter) {
        if (s.type === 'reconnect' && !this.stopped) {
          this.logger.info('NATS reconnected: reloading config');
          this.watch?.stop();
        }
      }
    } catch (err) {
      this.logger.debug({ err }, 'NATS status stream ended');
    }
  }

  /** Waits `ms`, or less when stop() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function applyTo(loading: Loaded, d: DecodedEntry): void {
  if (d.type === 'put') loading.set(d.key, { key: d.key, revision: d.revision, resource: d.resource, kind: d.kind });
  else if (d.type === 'delete') loading.delete(d.key);
}

function isStreamNotFound(err: unknown): boolean {
  const e = err as { message?: string; code?: number; api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(e?.message ?? '');
}
