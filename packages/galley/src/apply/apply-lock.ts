import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';
import { MeshError } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import { isTransportFailure, isWrongLastSequence } from '../store/kv-codec.js';
import { unavailable } from '../store/store-errors.js';

/** The KV bucket holding the atomic-apply lock: separate from the config bucket, so Pilot never sees it. */
export const APPLY_LOCK_BUCKET = 'mesh-galley-apply-lock';
const LOCK_KEY = 'apply';

/** Timing of the lock (ms). */
export interface ApplyLockTiming {
  /** How long a holder that stops renewing keeps the lock (the bucket's TTL). */
  readonly leaseMs: number;
  /** How long an apply waits for the lock before giving up with a 409. */
  readonly waitMs: number;
}

/** Defaults: a crashed holder blocks others for at most 10 s; a waiting apply gives up after 15 s. */
export const DEFAULT_APPLY_LOCK_TIMING: ApplyLockTiming = { leaseMs: 10_000, waitMs: 15_000 };

/** A held lock: renewed in the background until released or lost. */
export interface LockLease {
  /** Throws (CONFLICT) when the lease may have lapsed: another replica could hold the lock now. */
  assertHeld(): void;
  /** Releases the lock (compare-and-set on our revision); idempotent, never throws. */
  release(): Promise<void>;
}

/**
 * A cross-replica mutual-exclusion lock in its own KV bucket. Acquire = create-if-absent of one
 * key; the holder rewrites it (compare-and-set) every leaseMs/4 so the bucket's TTL (max_age =
 * leaseMs) never expires it; release = a compare-and-set delete. A holder that crashes stops
 * renewing, its entry expires, and the next acquire succeeds. A holder treats its lease as lapsed
 * (and stops writing) once leaseMs/2 passed without a successful renewal, which leaves a margin
 * for clock rate differences; the lock assumes no replica is paused for longer than that margin.
 */
export class ApplyLock {
  private constructor(
    private readonly kv: KV,
    private readonly timing: ApplyLockTiming,
    private readonly owner: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating if needed) the lock bucket. */
  static async open(js: JetStreamClient, opts: { owner: string; logger: Logger; timing?: ApplyLockTiming; bucket?: string }): Promise<ApplyLock> {
    const timing = opts.timing ?? DEFAULT_APPLY_LOCK_TIMING;
    const kv = await new Kvm(js).create(opts.bucket ?? APPLY_LOCK_BUCKET, { history: 1, ttl: timing.leaseMs });
    return new ApplyLock(kv, timing, opts.owner, opts.logger.child({ component: 'apply-lock' }));
  }

  /** Waits for the lock (polling with backoff) up to `waitMs`; CONFLICT when it stays held, UNAVAILABLE when NATS fails. */
  async acquire(batch: string): Promise<LockLease> {
    const deadline = Date.now() + this.timing.waitMs;
    const value = JSON.stringify({ owner: this.owner, batch, since: new Date().toISOString() });
    let delay = 2;
    for (;;) {
      try {
        const revision = await this.kv.create(LOCK_KEY, value);
        return this.lease(revision, value);
      } catch (err) {
        if (isTransportFailure(err)) throw unavailable(err);
        if (!isWrongLastSequence(err)) throw err;
      }
      if (Date.now() >= deadline) {
        throw new MeshError('CONFLICT', `another atomic apply held the apply lock for more than ${this.timing.waitMs} ms; nothing was changed, try again`);
      }
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 50);
    }
  }

  private lease(initialRevision: number, value: string): LockLease {
    let revision = initialRevision;
    let renewedAt = Date.now();
    let lost = false;
    let released = false;
    let renewing: Promise<void> | undefined;
    const renew = async (): Promise<void> => {
      try {
        revision = await this.kv.update(LOCK_KEY, value, revision);
        renewedAt = Date.now();
      } catch (err) {
        // A lost compare-and-set means the entry expired and someone else took it: never write again.
        if (isWrongLastSequence(err)) lost = true;
        this.logger.warn({ err, lost }, 'could not renew the apply lock');
      }
    };
    const timer = setInterval(() => {
      if (!renewing && !lost) renewing = renew().finally(() => (renewing = undefined));
    }, Math.max(1, Math.floor(this.timing.leaseMs / 4)));
    timer.unref();
    return {
      assertHeld: () => {
        if (lost || released || Date.now() - renewedAt > this.timing.leaseMs / 2) {
          throw new MeshError('CONFLICT', 'the apply lock was lost while writing (NATS too slow or unreachable); the batch is rolled back');
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await renewing;
        if (lost) return;
        try {
          await this.kv.delete(LOCK_KEY, { previousSeq: revision });
        } catch (err) {
          // The entry expires by itself after leaseMs; others wait at most that long.
          this.logger.warn({ err }, 'could not release the apply lock; it expires by itself');
        }
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
