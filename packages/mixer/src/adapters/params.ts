import type { InstanceValue } from '@mesh/shared-api';
import { formatIp, parseDurationMs } from '../expr/functions.js';

/** Reading adapter params as YAML gives them: snake_case or lowerCamel names, durations as Go strings. */

/** The value of a param under either its lowerCamel or its snake_case name. */
export function param(params: Readonly<Record<string, unknown>>, camel: string): unknown {
  if (params[camel] !== undefined) return params[camel];
  return params[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** A duration param (`"5s"`, `{ seconds: 5 }` or milliseconds as a number) in ms, or the default. */
export function durationParam(params: Readonly<Record<string, unknown>>, camel: string, fallbackMs: number): number {
  const v = param(params, camel);
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseDurationMs(v) ?? fallbackMs;
  if (v && typeof v === 'object' && 'seconds' in v) return Number((v as { seconds: unknown }).seconds) * 1000;
  return fallbackMs;
}

/** A number param, or the default. */
export function numberParam(params: Readonly<Record<string, unknown>>, camel: string, fallback: number): number {
  const v = param(params, camel);
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** An instance value as a label or list entry: IPs dotted, durations as Go strings, maps as JSON. */
export function valueText(v: InstanceValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return formatIp(v);
  if (v instanceof Date) return v.toISOString();
  if ('ms' in v && typeof v.ms === 'number') return `${v.ms}ms`;
  return JSON.stringify(v);
}

/** An instance value as a number (durations in seconds, as Prometheus wants them). */
export function valueNumber(v: InstanceValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (v && typeof v === 'object' && 'ms' in v && typeof v.ms === 'number') return v.ms / 1000;
  if (v instanceof Date) return v.getTime() / 1000;
  return undefined;
}

/** google.rpc.Code numbers the adapters answer with. */
export const RpcCode = { OK: 0, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;
