import type { AdapterHandler, AdapterInstance, AdapterQuotaArgs, AdapterQuotaResult, MixerAdapter } from '@mesh/shared-api';
import { durationParam } from './params.js';
import { quotaLimits, resolveQuota } from './quota-config.js';
import type { QuotaLimit } from './quota-config.js';

/** Ticks per rolling window: the window slides in steps of validDuration / TICKS. */
const TICKS = 10;

/** A rolling-window counter: allocations per tick over the last `validDurationMs`. */
class RollingCounter {
  private readonly ticks: Array<{ tick: number; amount: number }> = [];

  constructor(private readonly tickMs: number) {}

  used(now: number, windowMs: number): number {
    const oldest = Math.floor((now - windowMs) / this.tickMs);
    while (this.ticks.length > 0 && this.ticks[0]!.tick <= oldest) this.ticks.shift();
    return this.ticks.reduce((s, t) => s + t.amount, 0);
  }

  add(now: number, amount: number): void {
    const tick = Math.floor(now / this.tickMs);
    const last = this.ticks[this.ticks.length - 1];
    if (last?.tick === tick) last.amount += amount;
    else this.ticks.push({ tick, amount });
  }
}

/**
 * `memquota`: rate limits kept in this Mixer's memory (so each replica counts alone; use
 * redisquota for a limit shared by replicas). A quota with a validDuration is a rolling window of
 * that length; without one, allocations never expire. Retried requests (the same
 * deduplication id within `minDeduplicationDuration`, default 1 s) get the first answer again.
 */
export const memquotaAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'memquota',
  templates: ['quota'],
  createHandler(params) {
    return new MemQuotaHandler(quotaLimits(params), durationParam(params, 'minDeduplicationDuration', 1000));
  },
};

class MemQuotaHandler implements AdapterHandler {
  private readonly counters = new Map<string, RollingCounter>();
  private readonly dedup = new Map<string, { result: AdapterQuotaResult; until: number }>();

  constructor(
    private readonly limits: readonly QuotaLimit[],
    private readonly dedupMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  handleQuota(instance: AdapterInstance, args: AdapterQuotaArgs): AdapterQuotaResult {
    const now = this.now();
    if (args.deduplicationId) {
      const seen = this.dedup.get(args.deduplicationId);
      if (seen && seen.until > now) return seen.result;
    }
    const q = resolveQuota(this.limits, instance);
    if (!q) return { grantedAmount: args.amount, validDurationMs: 0 };
    const windowMs = q.validDurationMs > 0 ? q.validDurationMs : Number.MAX_SAFE_INTEGER;
    let counter = this.counters.get(q.key);
    if (!counter) this.counters.set(q.key, (counter = new RollingCounter(q.validDurationMs > 0 ? Math.max(1, q.validDurationMs / TICKS) : Number.MAX_SAFE_INTEGER)));
    const available = Math.max(0, q.maxAmount - counter.used(now, windowMs));
    const granted = args.amount <= available ? args.amount : args.bestEffort ? available : 0;
    if (granted > 0) counter.add(now, granted);
    const result = { grantedAmount: granted, validDurationMs: q.validDurationMs };
    if (args.deduplicationId) {
      this.dedup.set(args.deduplicationId, { result, until: now + this.dedupMs });
      if (this.dedup.size > 10_000) for (const [k, v] of this.dedup) if (v.until <= now) this.dedup.delete(k);
    }
    return result;
  }
}
