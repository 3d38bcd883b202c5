import type { AdapterInstance } from '@mesh/shared-api';
import { durationParam, numberParam, param, valueText } from './params.js';

/**
 * The quota params memquota and redisquota share: named quotas (the quota instance's name), a
 * limit per window, and overrides by dimension values (the first override whose dimensions all
 * equal the instance's wins).
 */
export interface QuotaLimit {
  readonly name: string;
  readonly maxAmount: number;
  readonly validDurationMs: number;
  readonly bucketDurationMs: number;
  readonly algorithm: 'FIXED_WINDOW' | 'ROLLING_WINDOW';
  readonly overrides: ReadonlyArray<{ dimensions: Readonly<Record<string, string>>; maxAmount: number; validDurationMs: number }>;
}

/** Reads the `quotas` param. */
export function quotaLimits(params: Readonly<Record<string, unknown>>): QuotaLimit[] {
  const list = (param(params, 'quotas') as Array<Record<string, unknown>> | undefined) ?? [];
  return list.map((q) => {
    const validDurationMs = durationParam(q, 'validDuration', 0);
    const maxAmount = numberParam(q, 'maxAmount', 0);
    const algo = param(q, 'rateLimitAlgorithm');
    return {
      name: String(q['name'] ?? ''),
      maxAmount,
      validDurationMs,
      bucketDurationMs: durationParam(q, 'bucketDuration', 0),
      algorithm: algo === 'ROLLING_WINDOW' || algo === 1 ? 'ROLLING_WINDOW' : 'FIXED_WINDOW',
      overrides: ((q['overrides'] as Array<Record<string, unknown>> | undefined) ?? []).map((o) => ({
        dimensions: Object.fromEntries(Object.entries((o['dimensions'] ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
        maxAmount: numberParam(o, 'maxAmount', maxAmount),
        validDurationMs: durationParam(o, 'validDuration', validDurationMs),
      })),
    };
  });
}

/** The quota a request is counted in: its limit and the key of its counter. */
export interface ResolvedQuota {
  readonly limit: QuotaLimit;
  readonly maxAmount: number;
  readonly validDurationMs: number;
  /** `<quota name>;<dimension=value,...>` (sorted), one counter per distinct key. */
  readonly key: string;
}

/** Finds the quota for an instance (by its full or short name) and the override that applies. */
export function resolveQuota(limits: readonly QuotaLimit[], instance: AdapterInstance): ResolvedQuota | undefined {
  const short = instance.name.split('.')[0];
  const limit = limits.find((l) => l.name === instance.name || l.name === short || l.name.split('.')[0] === short);
  if (!limit) return undefined;
  const dims = (instance.fields['dimensions'] ?? {}) as Record<string, unknown>;
  const text = Object.fromEntries(Object.entries(dims).map(([k, v]) => [k, valueText(v as never)]));
  const override = limit.overrides.find((o) => Object.entries(o.dimensions).every(([k, v]) => text[k] === v));
  const key = `${limit.name};${Object.keys(text)
    .sort()
    .map((k) => `${k}=${text[k]!}`)
    .join(',')}`;
  return { limit, maxAmount: override?.maxAmount ?? limit.maxAmount, validDurationMs: override?.validDurationMs ?? limit.validDurationMs, key };
}
