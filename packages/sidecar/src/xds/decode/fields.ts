import type { FieldViolation } from '@mesh/shared-api';

/**
 * Helpers for reading decoded xDS messages (protobufjs `toObject` output: proto field names,
 * enums and 64-bit integers as strings, wrapper types as `{ value }`, unset fields absent).
 */

/** A plain object, or an empty one when the field is absent or not an object. */
export function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** True when the field is present as an object (a set message field). */
export function isSet(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/** An array field (absent = empty). */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string field, or '' when absent. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A `google.protobuf.UInt32Value` (or a bare number), or undefined when unset. */
export function uint32Value(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const inner = obj(v)['value'];
  if (typeof inner === 'number') return inner;
  return isSet(v) ? 0 : undefined;
}

/** A `google.protobuf.BoolValue` (or a bare boolean), or undefined when unset. */
export function boolValue(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (!isSet(v)) return undefined;
  return obj(v)['value'] === true;
}

/** A `google.protobuf.Duration` in milliseconds, or undefined when unset. */
export function durationMs(v: unknown): number | undefined {
  if (!isSet(v)) return undefined;
  const d = obj(v);
  const seconds = Number(d['seconds'] ?? 0);
  const nanos = Number(d['nanos'] ?? 0);
  return seconds * 1000 + Math.round(nanos / 1e6);
}

/** Collects the problems found in one resource; field paths are relative to the resource. */
export class Problems {
  readonly list: FieldViolation[] = [];
  readonly warnings: string[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  get ok(): boolean {
    return this.list.length === 0;
  }
}

/** Denominators of `envoy.type.v3.FractionalPercent`. */
const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/**
 * A `type.v3.FractionalPercent` as a fraction in [0, 1] (numerator over HUNDRED, TEN_THOUSAND or
 * MILLION; a numerator above the denominator counts as 100 %), or `fallback` when unset.
 */
export function fraction(v: unknown, fallback: number): number {
  if (!isSet(v)) return fallback;
  const f = obj(v);
  const numerator = Number(f['numerator'] ?? 0);
  const denominator = DENOMINATORS[str(f['denominator']) || 'HUNDRED'] ?? 100;
  return Math.min(1, Math.max(0, numerator / denominator));
}

/** A `core.v3.RuntimeFractionalPercent`: its `default_value` (runtime keys are not consulted). */
export function runtimeFraction(v: unknown, fallback: number): number {
  return isSet(v) ? fraction(obj(v)['default_value'], 0) : fallback;
}

/** A `type.v3.Percent` (`{ value }` in 0..100), or `fallback` when unset. */
export function percent(v: unknown, fallback: number): number {
  if (!isSet(v)) return fallback;
  const value = Number(obj(v)['value'] ?? 0);
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : fallback;
}
