/**
 * Attribute values in memory. The JavaScript type of a value *is* its Mixer wire type, so a bag
 * survives encode → decode unchanged and a later expression language can tell int from double:
 *
 * | wire type  | JavaScript                                  |
 * |------------|---------------------------------------------|
 * | STRING     | `string`                                    |
 * | INT64      | `bigint` (the full int64 range, exactly)    |
 * | DOUBLE     | `number`                                    |
 * | BOOL       | `boolean`                                   |
 * | BYTES      | `Uint8Array` (decoded as `Buffer`)          |
 * | TIMESTAMP  | `Date` (millisecond precision)              |
 * | DURATION   | {@link AttrDuration} (milliseconds)         |
 * | STRING_MAP | a plain object of strings                   |
 */

/** A DURATION value in milliseconds; fractions keep sub-millisecond precision (down to 1 ns). */
export class AttrDuration {
  constructor(readonly ms: number) {}

  /** JSON form for debug output: `"12.5ms"`. */
  toJSON(): string {
    return `${this.ms}ms`;
  }
}

/** Shorthand for `new AttrDuration(ms)`. */
export function durationMs(ms: number): AttrDuration {
  return new AttrDuration(ms);
}

/** A STRING_MAP value (request.headers, destination.labels …). */
export type AttrStringMap = Readonly<Record<string, string>>;

/** One attribute value; see the table above for how each wire type is represented. */
export type AttrValue = string | bigint | number | boolean | Uint8Array | Date | AttrDuration | AttrStringMap;

/** Mixer's transport types, named after CompressedAttributes' maps. */
export type AttrKind = 'string' | 'int64' | 'double' | 'bool' | 'bytes' | 'timestamp' | 'duration' | 'string_map';

/** The wire type of a value, or undefined when the value cannot be sent as an attribute. */
export function attrKindOf(value: unknown): AttrKind | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? 'int64' : undefined;
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Uint8Array) return 'bytes';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : 'timestamp';
      if (value instanceof AttrDuration) return Number.isFinite(value.ms) ? 'duration' : undefined;
      if (isStringMap(value)) return 'string_map';
      return undefined;
    default:
      return undefined;
  }
}

/** The int64 range; bigints outside it are not attribute values. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

function isStringMap(value: object): value is AttrStringMap {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}

/** True when two values have the same wire type and the same content (delta encoding's test). */
export function attrValuesEqual(a: AttrValue, b: AttrValue): boolean {
  if (a === b) return true;
  const kind = attrKindOf(a);
  if (kind === undefined || kind !== attrKindOf(b)) return false;
  switch (kind) {
    case 'bytes':
      return Buffer.from((a as Uint8Array).buffer, (a as Uint8Array).byteOffset, (a as Uint8Array).byteLength).equals(b as Uint8Array);
    case 'timestamp':
      return (a as Date).getTime() === (b as Date).getTime();
    case 'duration':
      return (a as AttrDuration).ms === (b as AttrDuration).ms;
    case 'string_map': {
      const ea = Object.entries(a as AttrStringMap);
      const mb = b as AttrStringMap;
      return ea.length === Object.keys(mb).length && ea.every(([k, v]) => Object.prototype.hasOwnProperty.call(mb, k) && mb[k] === v);
    }
    default:
      // Primitives: already compared with ===; NaN doubles count as changed, which is harmless.
      return false;
  }
}
