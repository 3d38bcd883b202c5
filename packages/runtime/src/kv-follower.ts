import type { Kvm, KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from './logger.js';
import type { NatsConnection } from './nats.js';

/** What a {@link KvFollower} tells its owner. */
export interface KvFollowerHandler {
  /** A full load finished (also after a reload, and with no entries when the bucket does not exist): replace everything. */
  reset(entries: ReadonlyMap<string, KvWatchEntry>): void;
  /** One key changed after the load (a PUT, or a DEL/PURGE). */
  change(entry: KvWatchEntry): void;
}

/** Options of {@link KvFollower}. */
export interface KvFollowerOptions {
  nc: NatsConnection;
  bucket: string;
  handler: KvFollowerHandler;
  logger: Logger;
  /** How often to look for the bucket while it does not exist, and the retry delay after a failure (ms). */
  retryMs?: number;
  /** Timeout of each JetStream request (ms). */
  timeoutMs?: number;
  /** Called with each failure of the watch, before it is restarted (e.g. to count it in a metric). */
  onError?: (err: unknown) => void;
}

/**
 * Keeps a local copy of a KV bucket: a watch delivers the last value of every key (the load), then
 * every change. Each (re)start of the watch is a full reload, after NATS reconnects and after any
 * failure, so nothing is lost while NATS was away. A missing bucket means "no entries" and is
 * looked for again every `retryMs`.
 */
export class KvFollower {
  private readonly logger: Logger;
  private readonly retryMs: number;
  private stopped = false;
  private loaded = false;
  private bucketExists = false;
  private seen = 0;
  private kv: KV | undefined;
  /** The newest shared stream-info request: in flight (`sent`) or waiting to leave (see {@link lastSequence}). */
  private statusRound: { promise: Promise<number>; sent: boolean } | undefined;
  private watch: { stop(): void } | undefined;
  private statusIter: { stop(): void } | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: KvFollowerOptions) {
    this.logger = opts.logger.child({ component: 'kv-follower', bucket: opts.bucket });
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** True once the first full load was handed to the handler. */
  get synced(): boolean {
    return this.loaded;
  }

  /** True when the last load found the bucket. */
  get exists(): boolean {
    return this.bucketExists;
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
    for (const w of this.waiters) w();
    await this.loop;
  }

  /**
   * Waits until the change at `revision` (and every one before it) has been handed to the handler,
   * or `timeoutMs` passed; resolves true when it has. Costs no request: for callers that know the
   * revision they need, such as the writer of it.
   */
  async waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    return this.waitUntil(() => this.loaded && (this.seen >= revision || !this.bucketExists), deadline);
  }

  /**
   * Waits until every change the bucket held when called has been handed to the handler (read
   * your writes), or `timeoutMs` passed; resolves true when caught up.
   */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!(await this.waitUntil(() => this.loaded, deadline))) return false;
    const kv = this.kv;
    if (!kv) return true; // loaded, and the bucket did not exist: nothing to catch up with
    let target: number;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded by the caller's deadline, not the JetStream request timeout (NATS may be away).
      const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('catch-up deadline passed')), Math.max(0, deadline - Date.now()))));
      target = await Promise.race([this.lastSequence(kv), expired]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
    return this.waitUntil(() => this.seen >= target, deadline);
  }

  /**
   * The bucket's last sequence, read by stream-info requests shared between callers, one in flight
   * at a time: a caller joins the request that has not left yet (the one of this turn of the event
   * loop, or the one queued behind the request in flight) and never one that left before it asked,
   * so the answer covers every write it completed before asking (read your writes). Under a burst
   * of concurrent writes this costs about one round trip per round-trip time, not one per caller.
   */
  private lastSequence(kv: KV): Promise<number> {
    const current = this.statusRound;
    if (current && !current.sent) return current.promise;
    const round: { promise: Promise<number>; sent: boolean } = { promise: Promise.resolve(0), sent: false };
    round.promise = (async () => {
      if (current) await current.promise.catch(() => undefined);
      else await new Promise<void>((resolve) => setImmediate(resolve));
      round.sent = true;
      try {
        return (await kv.status()).streamInfo.state.last_seq;
      } finally {
        if (this.statusRound === round) this.statusRound = undefined;
      }
    })();
    this.statusRound = round;
    return round.promise;
  }

  /** Resolves true once `done()` holds, false at the deadline or on stop. */
  private async waitUntil(done: () => boolean, deadline: number): Promise<boolean> {
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped) return false;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return true;
  }

  private async run(): Promise<void> {
    // Loaded here, not at import: @mesh/runtime is also used by processes without NATS (the sidecar).
    const [{ jetstream }, { Kvm }] = await Promise.all([import('@nats-io/jetstream'), import('@nats-io/kv')]);
    const kvm = new Kvm(jetstream(this.opts.nc, { timeout: this.opts.timeoutMs ?? 5000 }));
    while (!this.stopped) {
      try {
        const found = await this.follow(kvm);
        if (!found && !this.stopped) await this.sleep(this.retryMs);
      } catch (err) {
        if (this.stopped) break;
        this.opts.onError?.(err);
        this.logger.warn({ err }, 'bucket watch failed; reloading');
        await this.sleep(this.retryMs);
      }
    }
  }

  /** One watch: load, then follow until it ends. Returns false when the bucket does not exist. */
  private async follow(kvm: Kvm): Promise<boolean> {
    let messages: number;
    try {
      this.kv = await kvm.open(this.opts.bucket);
      messages = (await this.kv.status()).streamInfo.state.messages;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.kv = undefined;
      this.bucketExists = false;
      this.finishLoad(new Map());
      return false;
    }
    this.bucketExists = true;
    // Revisions restart when the bucket was recreated: count what this load delivers afresh.
    this.seen = 0;
    const iter = await this.kv.watch({ key: '>' });
    this.watch = iter;
    if (this.stopped) iter.stop();
    let loading: Map<string, KvWatchEntry> | undefined = new Map();
    const finish = (): void => {
      if (!loading) return;
      this.finishLoad(loading);
      loading = undefined;
    };
    if (messages === 0) finish();
    // Values can expire between the status and the watch (buckets with a max age): never wait
    // forever. The wait restarts with every entry, so a large bucket is not cut short mid-load.
    const fallback = setTimeout(finish, Math.max(2000, this.retryMs));
    try {
      for await (const e of iter) {
        this.seen = Math.max(this.seen, e.revision);
        if (loading) {
          fallback.refresh();
          if (e.operation === 'PUT') loading.set(e.key, e);
          else loading.delete(e.key);
          // The watch marks the last value of its initial load as the first update.
          if (e.isUpdate) finish();
        } else {
          this.opts.handler.change(e);
        }
        this.notify();
      }
    } finally {
      clearTimeout(fallback);
    }
    return true;
  }

  private finishLoad(entries: Map<string, KvWatchEntry>): void {
    this.opts.handler.reset(entries);
    if (!this.loaded) this.logger.info({ entries: entries.size, exists: this.bucketExists }, 'bucket loaded');
    this.loaded = true;
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** After a reconnect the server may have lost our consumer or missed deliveries: reload from scratch. */
  private async followConnectionStatus(): Promise<void> {
    const iter = this.opts.nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
    this.statusIter = { stop: () => iter.stop?.() };
    try {
      for await (const s of iter) {
        if (s.type === 'reconnect' && !this.stopped) this.watch?.stop();
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

/** JetStream's "stream not found" (the bucket does not exist). */
function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(String(e?.message ?? ''));
}
