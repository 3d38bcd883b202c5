import { AttrDuration } from './attribute-value.js';
import type { AttrValue } from './attribute-value.js';
import type { AttributeMap } from './attribute-codec.js';
import { dictionaryMismatch } from './attribute-codec.js';
import { GLOBAL_DICTIONARY } from './global-words.js';
import type { GlobalDictionary } from './global-words.js';
import type { RepeatedAttributesSemantics } from './messages.js';
import type { ReportDecodeResult } from './report-codec.js';

/**
 * A ReportRequest decoded straight from its protobuf bytes into attribute bags, without building
 * the intermediate message objects a generic protobuf library makes (Mixer's hot path: every
 * reported request passes here). Same rules and results as decodeReportRequest on the decoded
 * message (report-wire.test.ts checks both on the same bytes). Wire format:
 * https://protobuf.dev/programming-guides/encoding/; field numbers from mixer/v1/report.proto and
 * attributes.proto.
 */

class WireError extends Error {}

/** A cursor over protobuf bytes. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** Points the reader at another range of the same buffer (one reader serves every map entry). */
  reset(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  /** A varint of up to 53 bits as a number (larger values throw; int64 values use varint64). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    // Ten-byte varints: negative int32/enum values; keep the low 32 bits as a signed number.
    let hi = 0;
    for (let i = 8; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      hi |= b;
      if (b < 0x80) return result | 0;
    }
    throw new WireError(`varint too long (${hi})`);
  }

  /** A varint as a signed 64-bit integer (int64's two's complement). */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new WireError('varint too long');
  }

  sint32(): number {
    const n = this.varint();
    return (n >>> 1) ^ -(n & 1);
  }

  /** A length-delimited field: its [start, end). */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new WireError('truncated length-delimited field');
    this.pos += len;
    return [start, start + len];
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new WireError('truncated field');
  }
}

/** Map field numbers of CompressedAttributes, with the name errors use. */
const MAP_NAMES: Readonly<Record<number, string>> = { 2: 'strings', 3: 'int64s', 4: 'doubles', 5: 'bools', 6: 'timestamps', 7: 'durations', 8: 'bytes', 9: 'string_maps' };

/** Decodes a ReportRequest from its bytes. */
export function decodeReportRequestWire(bytes: Uint8Array, dictionary: GlobalDictionary = GLOBAL_DICTIONARY): ReportDecodeResult {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bags: AttributeMap[] = [];
  let semantics: RepeatedAttributesSemantics = 'DELTA_ENCODING';
  try {
    const r = new Reader(buf, 0, buf.length);
    const attributes: Array<[number, number]> = [];
    const defaultWords: string[] = [];
    let globalWordCount = 0;
    let semanticsValue = 0;
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1 && wt === 2) attributes.push(r.bytes());
      else if (field === 2 && wt === 2) {
        const [s, e] = r.bytes();
        defaultWords.push(buf.toString('utf8', s, e));
      } else if (field === 3 && wt === 0) globalWordCount = r.varint();
      else if (field === 4 && wt === 0) semanticsValue = r.varint();
      else r.skip(wt);
    }
    const mismatch = dictionaryMismatch(globalWordCount, dictionary);
    if (mismatch) return { ok: false, reason: 'dictionary', error: mismatch };
    if (semanticsValue === 1) semantics = 'INDEPENDENT_ENCODING';
    else if (semanticsValue !== 0) return { ok: false, reason: 'malformed', error: `unknown repeated_attributes_semantics ${semanticsValue}` };
    let previous: AttributeMap | undefined;
    for (let i = 0; i < attributes.length; i++) {
      const bag: AttributeMap = semantics === 'DELTA_ENCODING' && previous ? new Map(previous) : new Map();
      const [s, e] = attributes[i]!;
      const error = decodeCompressed(buf, s, e, bag, globalWordCount, dictionary, defaultWords);
      if (error !== undefined) return { ok: false, reason: 'malformed', error: `attributes[${i}]: ${error}` };
      bags.push(bag);
      previous = bag;
    }
  } catch (err) {
    if (err instanceof WireError) return { ok: false, reason: 'malformed', error: `not a valid ReportRequest: ${err.message}` };
    throw err;
  }
  return { ok: true, bags, semantics };
}

function decodeCompressed(buf: Buffer, start: number, end: number, target: AttributeMap, globalWordCount: number, dictionary: GlobalDictionary, defaultWords: readonly string[]): string | undefined {
  // Words first (any field order is valid protobuf), then the typed maps.
  const own: string[] = [];
  // Map entries as flat triples (field, start, end): this runs for every reported request.
  const fields: number[] = [];
  const r = new Reader(buf, start, end);
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [s, e] = r.bytes();
      own.push(buf.toString('utf8', s, e));
    } else if (field >= 2 && field <= 9 && wt === 2) {
      const [s, e] = r.bytes();
      fields.push(field, s, e);
    } else r.skip(wt);
  }
  const words = own.length > 0 ? own : defaultWords;
  const lookup = (index: number): string => {
    const word = index >= 0 ? (index < globalWordCount ? dictionary.wordAt(index) : undefined) : words[-index - 1];
    if (word === undefined) throw new WireError(`word index ${index} is not defined (global dictionary: ${globalWordCount} words, message dictionary: ${words.length} words)`);
    return word;
  };
  const seen = new Map<string, string>();
  try {
    const entry = new Reader(buf, 0, 0);
    for (let i = 0; i < fields.length; i += 3) {
      const field = fields[i]!;
      // One map entry: key (sint32) = 1, value = 2.
      entry.reset(fields[i + 1]!, fields[i + 2]!);
      let key = 0;
      let value: AttrValue | undefined;
      while (entry.pos < entry.end) {
        const tag = entry.varint();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === 1 && wt === 0) key = entry.sint32();
        else if (f === 2) value = entryValue(field, entry, wt, buf, lookup);
        else entry.skip(wt);
      }
      const name = lookup(key);
      // A repeated map key is one entry (the last wins); another key naming the same attribute is an error.
      const id = `${field}:${key}`;
      const before = seen.get(name);
      if (before !== undefined && before !== id) throw new WireError(`attribute "${name}" appears twice (in ${MAP_NAMES[Number(before.split(':')[0])]} and in ${MAP_NAMES[field]})`);
      seen.set(name, id);
      target.set(name, value ?? (field === 2 ? lookup(0) : defaultValue(field)));
    }
  } catch (err) {
    if (err instanceof WireError) return err.message;
    throw err;
  }
  return undefined;
}

/** proto3 leaves zero values out: an entry without a value holds its type's zero. */
function defaultValue(field: number): AttrValue {
  switch (field) {
    case 3:
      return 0n;
    case 4:
      return 0;
    case 5:
      return false;
    case 6:
      return new Date(0);
    case 7:
      return new AttrDuration(0);
    case 8:
      return Buffer.alloc(0);
    default:
      return {};
  }
}

function entryValue(field: number, r: Reader, wt: number, buf: Buffer, lookup: (i: number) => string): AttrValue {
  switch (field) {
    case 2:
      return lookup(r.sint32());
    case 3:
      return r.varint64();
    case 4:
      if (wt !== 1) throw new WireError('a doubles entry is not a double');
      return r.double();
    case 5:
      return r.varint() !== 0;
    case 6:
    case 7: {
      const [s, e] = r.bytes();
      const m = new Reader(buf, s, e);
      let seconds = 0;
      let nanos = 0;
      while (m.pos < m.end) {
        const tag = m.varint();
        if (tag === 8) seconds = Number(m.varint64());
        else if (tag === 16) nanos = m.varint();
        else m.skip(tag & 7);
      }
      if (Math.abs(nanos) >= 1e9) throw new WireError(`${field === 6 ? 'timestamp' : 'duration'} has nanos out of range`);
      const ms = seconds * 1000 + nanos / 1e6;
      if (field === 7) return new AttrDuration(ms);
      const date = new Date(Math.floor(ms));
      if (Number.isNaN(date.getTime())) throw new WireError('timestamp out of range');
      return date;
    }
    case 8: {
      const [s, e] = r.bytes();
      return Buffer.from(buf.subarray(s, e));
    }
    default: {
      const [s, e] = r.bytes();
      const m = new Reader(buf, s, e);
      const out: Record<string, string> = {};
      while (m.pos < m.end) {
        const tag = m.varint();
        if (tag !== 10) {
          m.skip(tag & 7);
          continue;
        }
        const [es, ee] = m.bytes();
        const entry = new Reader(buf, es, ee);
        let k = 0;
        let v = 0;
        while (entry.pos < entry.end) {
          const t = entry.varint();
          if (t === 8) k = entry.sint32();
          else if (t === 16) v = entry.sint32();
          else entry.skip(t & 7);
        }
        out[lookup(k)] = lookup(v);
      }
      return out;
    }
  }
}
