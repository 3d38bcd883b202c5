import * as grpc from '@grpc/grpc-js';
import { attrKindOf, bagEntries, encodeReportRequest, GLOBAL_DICTIONARY, GLOBAL_DICTIONARY_BASE_SIZE } from '@mesh/shared-api';
import type { AttributeRecord, AttrValue, GlobalDictionary } from '@mesh/shared-api';
import { MixerReportClient } from './mixer-report-client.js';
import type { PendingReport, ReportCallResult } from './mixer-report-client.js';
import { RateLimitedLog } from './rate-limited-log.js';

/** The logging the reporter needs (a pino logger fits). */
export interface ReporterLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of a {@link MixerReporter}. */
export interface MixerReporterOptions {
  /** Mixer's gRPC address, `host:port`. */
  address: string;
  logger: ReporterLogger;
  /** Entries per Report call; a full batch is sent at once. Default 100. */
  batchSize?: number;
  /** The longest an entry waits for a batch to fill (ms). Default 1000. */
  flushIntervalMs?: number;
  /** Entries held (queued + in flight); beyond it new entries are dropped. Default 10000. */
  maxQueue?: number;
  /** Deadline of one Report call (ms). Default 2000. */
  callTimeoutMs?: number;
  /** How long stop() may spend sending what is queued (ms). Default 5000. */
  stopTimeoutMs?: number;
  /** First retry delay after a failed call, doubled per failure (ms). Default 200. */
  retryBaseMs?: number;
  /** Longest retry delay (ms); also caps the channel's reconnect backoff. Default 5000. */
  retryMaxMs?: number;
  /** Global dictionary to encode with. Default: the full list. */
  dictionary?: GlobalDictionary;
  credentials?: grpc.ChannelCredentials;
}

/** Counters of a {@link MixerReporter}; accepted entries = sent + dropped + queued. */
export interface MixerReporterStats {
  /** Entries accepted and not yet delivered (waiting or in the current call). */
  queued: number;
  /** Entries Mixer acknowledged. */
  sent: number;
  /** Entries given up: queue full, invalid bag, refused by Mixer, or left over at stop. */
  dropped: number;
  /** Report calls that failed (each retry counts). */
  failed: number;
}

interface Entry {
  readonly bag: ReadonlyMap<string, AttrValue>;
  readonly at: number;
}

/** Mixer's answers that a retry cannot change: the batch is dropped instead. */
const NOT_RETRYABLE = new Set<grpc.status>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNIMPLEMENTED,
  grpc.status.NOT_FOUND,
  grpc.status.OUT_OF_RANGE,
  grpc.status.FAILED_PRECONDITION,
]);

/**
 * The sidecar's Report client. `report()` only enqueues: it never blocks, never throws, and drops
 * (and counts) when the queue is full. A background loop sends batches of `batchSize` entries, or
 * whatever is queued once the oldest entry has waited `flushIntervalMs`, one Report call at a time
 * (delta-encoded). A failed call is retried with backoff (at-least-once: a call that timed out
 * after Mixer processed it is sent again); a batch Mixer refuses as invalid is dropped.
 */
export class MixerReporter {
  private readonly opts: Required<Omit<MixerReporterOptions, 'credentials' | 'dictionary'>>;
  private readonly client: MixerReportClient;
  private readonly log: RateLimitedLog;
  private dictionary: GlobalDictionary;
  private queue: Entry[] = [];
  private inFlight = 0;
  private counts = { sent: 0, dropped: 0, failed: 0 };
  private consecutiveFailures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private kickPending = false;
  private flushing: Promise<void> | undefined;
  private current: PendingReport | undefined;
  /** stop() called: entries are refused, queued ones are sent once without retry. */
  private stopping = false;
  /** stop() finished: the client is closed and late call results are ignored. */
  private closed = false;
  private stopped: Promise<void> | undefined;

  constructor(options: MixerReporterOptions) {
    this.opts = {
      address: options.address,
      logger: options.logger,
      batchSize: positive(options.batchSize, 100),
      flushIntervalMs: positive(options.flushIntervalMs, 1000),
      maxQueue: positive(options.maxQueue, 10000),
      callTimeoutMs: positive(options.callTimeoutMs, 2000),
      stopTimeoutMs: positive(options.stopTimeoutMs, 5000),
      retryBaseMs: positive(options.retryBaseMs, 200),
      retryMaxMs: positive(options.retryMaxMs, 5000),
    };
    this.dictionary = options.dictionary ?? GLOBAL_DICTIONARY;
    this.log = new RateLimitedLog(10_000);
    this.client = new MixerReportClient(this.opts.address, { initialMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs }, options.credentials);
  }

  /** Enqueues one action's attributes for reporting. Synchronous; never throws. */
  report(bag: AttributeRecord | ReadonlyMap<string, AttrValue>): void {
    try {
      if (this.stopping) {
        this.drop(1, 'stopped', 'Mixer reporter is stopped; entry dropped');
        return;
      }
      if (this.queue.length + this.inFlight >= this.opts.maxQueue) {
        this.drop(1, 'queue-full', 'Mixer report queue is full; entry dropped');
        return;
      }
      // Copy (the caller may reuse its object) and check types now, so that one bad value
      // cannot fail a whole batch later.
      const entries = bagEntries(bag);
      const bad = entries.find(([, v]) => attrKindOf(v) === undefined);
      if (bad) {
        this.drop(1, 'invalid', 'report entry has an attribute that is not an attribute value; entry dropped', { attribute: bad[0] });
        return;
      }
      this.queue.push({ bag: new Map(entries), at: Date.now() });
      // While backing off after a failure, the retry timer is already set.
      if (this.queue.length >= this.opts.batchSize && Date.now() >= this.retryAt) this.kick();
      else if (!this.timer) this.schedule(this.opts.flushIntervalMs);
    } catch {
      // report() is on the request path: whatever happened, the request must not notice.
      this.counts.dropped++;
    }
  }

  /** Current counters. */
  stats(): MixerReporterStats {
    return { queued: this.queue.length + this.inFlight, ...this.counts };
  }

  /**
   * Sends what is queued (one attempt per batch, no retries), bounded by `stopTimeoutMs`, then
   * closes the client; entries still unsent count as dropped. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.clearTimer();
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, this.opts.stopTimeoutMs);
    });
    const drain = async (): Promise<void> => {
      if (this.flushing) await this.flushing;
      this.retryAt = 0;
      this.startFlush();
      if (this.flushing) await this.flushing;
    };
    await Promise.race([drain(), timedOut]);
    clearTimeout(deadline);
    this.closed = true;
    this.current?.cancel();
    const left = this.queue.length + this.inFlight;
    if (left > 0) {
      this.counts.dropped += left;
      this.opts.logger.warn({ dropped: left }, 'Mixer reporter stopped with entries unsent');
    }
    this.queue = [];
    this.inFlight = 0;
    this.client.close();
  }

  /** Starts a flush soon, off the caller's stack. */
  private kick(): void {
    if (this.kickPending || this.flushing) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      this.startFlush();
    });
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.startFlush();
      },
      Math.max(0, delayMs),
    );
    // The reporter never keeps a process alive by itself; an in-flight call does.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startFlush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flushLoop()
      .catch((err: unknown) => {
        this.opts.logger.warn({ err }, 'Mixer report loop failed unexpectedly');
      })
      .finally(() => {
        this.flushing = undefined;
        this.afterFlush();
      });
  }

  /** After a flush: come back when the next batch is due (or a full one is already waiting). */
  private afterFlush(): void {
    if (this.stopping || this.closed || this.queue.length === 0) return;
    const now = Date.now();
    if (now >= this.retryAt && this.queue.length >= this.opts.batchSize) {
      this.kick();
      return;
    }
    const due = Math.max(this.retryAt, this.queue[0]!.at + this.opts.flushIntervalMs);
    this.schedule(due - now);
  }

  /** A batch is due when it is full, when its oldest entry has waited long enough, or at stop. */
  private batchDue(now: number): boolean {
    if (this.queue.length === 0 || now < this.retryAt) return false;
    return this.stopping || this.queue.length >= this.opts.batchSize || now - this.queue[0]!.at >= this.opts.flushIntervalMs;
  }

  private async flushLoop(): Promise<void> {
    while (!this.closed && this.batchDue(Date.now())) {
      const batch = this.queue.splice(0, this.opts.batchSize);
      this.inFlight = batch.length;
      const result = await this.send(batch);
      this.inFlight = 0;
      if (this.closed) return;
      if (result.ok) {
        this.onDelivered(batch.length);
        continue;
      }
      this.counts.failed++;
      if (this.shrinkDictionary(result)) {
        this.queue.unshift(...batch);
        continue;
      }
      if (this.stopping || NOT_RETRYABLE.has(result.code)) {
        this.drop(batch.length, `refused-${result.code}`, 'Mixer refused a Report; batch dropped', { code: grpc.status[result.code], details: result.details });
        if (this.stopping) return;
        continue;
      }
      this.requeue(batch);
      this.consecutiveFailures++;
      const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(this.consecutiveFailures - 1, 20));
      this.retryAt = Date.now() + delay;
      this.log.maybe('report-failed', (suppressed) =>
        this.opts.logger.warn(
          { code: grpc.status[result.code], details: result.details, queued: this.stats().queued, retryInMs: delay, suppressed },
          'Mixer Report failed; will retry',
        ),
      );
      return;
    }
  }

  private async send(batch: readonly Entry[]): Promise<ReportCallResult> {
    let request;
    try {
      request = encodeReportRequest(
        batch.map((e) => e.bag),
        { dictionary: this.dictionary },
      );
    } catch (err) {
      // Values were checked at report(); this is a bug, not a Mixer failure.
      return { ok: false, code: grpc.status.INVALID_ARGUMENT, details: `cannot encode the batch: ${err instanceof Error ? err.message : String(err)}` };
    }
    this.current = this.client.report(request, this.opts.callTimeoutMs);
    try {
      return await this.current.result;
    } finally {
      this.current = undefined;
    }
  }

  private onDelivered(n: number): void {
    this.counts.sent += n;
    if (this.consecutiveFailures > 0) this.opts.logger.info({ afterFailures: this.consecutiveFailures }, 'Mixer Report delivered again');
    this.consecutiveFailures = 0;
    this.retryAt = 0;
  }

  /**
   * A Mixer that knows fewer global words refuses our dictionary (Istio's Mixer answers INTERNAL,
   * ours INVALID_ARGUMENT, both naming the dictionary). Like Istio's proxy, fall back once to the
   * first published list, which every Mixer knows, and resend.
   */
  private shrinkDictionary(result: Extract<ReportCallResult, { ok: false }>): boolean {
    const dictionaryError = (result.code === grpc.status.INVALID_ARGUMENT || result.code === grpc.status.INTERNAL) && /dictionar/i.test(result.details);
    if (!dictionaryError || this.dictionary.size <= GLOBAL_DICTIONARY_BASE_SIZE) return false;
    this.opts.logger.warn({ from: this.dictionary.size, to: GLOBAL_DICTIONARY_BASE_SIZE, details: result.details }, 'Mixer refused our global dictionary; using the base dictionary');
    this.dictionary = this.dictionary.truncated(GLOBAL_DICTIONARY_BASE_SIZE);
    return true;
  }

  /** Puts a failed batch back in front; if new entries filled the queue meanwhile, the oldest go. */
  private requeue(batch: Entry[]): void {
    this.queue.unshift(...batch);
    const excess = this.queue.length - this.opts.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.drop(excess, 'queue-full', 'Mixer report queue is full; oldest entries dropped');
    }
  }

  private drop(n: number, key: string, message: string, extra: object = {}): void {
    this.counts.dropped += n;
    this.log.maybe(key, (suppressed) => this.opts.logger.warn({ ...extra, dropped: this.counts.dropped, suppressed }, message));
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
