import type { AttrStringMap, AttrValue } from './attribute-value.js';
import { AttrDuration, attrKindOf } from './attribute-value.js';
import { GLOBAL_DICTIONARY } from './global-words.js';
import type { GlobalDictionary } from './global-words.js';
import type { CompressedAttributesMessage, DurationMessage, TimestampMessage } from './messages.js';

/**
 * CompressedAttributes encoding (istio.io/api mixer/v1/attributes.proto): every name and every
 * string value is a word index; index i >= 0 is global dictionary word i, index i < 0 is message
 * word -i - 1 (so -1 is words[0]). Only words missing from the global dictionary travel in the
 * message. Decoding follows Mixer's rules: an index outside both dictionaries, or a name carried
 * by two typed maps, makes the message invalid.
 */

/** A bag as callers hand it over: a Map, or a record whose undefined entries are left out. */
export type AttributeBag = ReadonlyMap<string, AttrValue> | Readonly<Record<string, AttrValue | undefined>>;

/** A decoded bag. */
export type AttributeMap = Map<string, AttrValue>;

/** The result of decoding: the bag, or why the message is invalid (an INVALID_ARGUMENT for the caller). */
export type DecodeResult = { ok: true; bag: AttributeMap } | { ok: false; error: string };

/** A value that cannot be sent as an attribute (wrong JavaScript type, NaN date, out-of-range bigint). */
export class AttributeTypeError extends TypeError {
  override readonly name = 'AttributeTypeError';
  constructor(readonly attribute: string) {
    super(`attribute "${attribute}" has a value that is not an attribute value (string, bigint, number, boolean, bytes, Date, AttrDuration or string map)`);
  }
}

/** The entries of a bag, without undefined values. */
export function bagEntries(bag: AttributeBag): [string, AttrValue][] {
  const entries: [string, AttrValue][] = [];
  if (bag instanceof Map) {
    for (const [k, v] of bag as ReadonlyMap<string, AttrValue>) if (v !== undefined) entries.push([k, v]);
  } else {
    for (const [k, v] of Object.entries(bag as Record<string, AttrValue | undefined>)) if (v !== undefined) entries.push([k, v]);
  }
  return entries;
}

/** Assigns word indexes: global first, else a message word (shared by every bag of one message). */
export class MessageWords {
  /** The message-level dictionary, in index order (-1, -2, …). */
  readonly words: string[] = [];
  private readonly slots = new Map<string, number>();

  constructor(readonly dictionary: GlobalDictionary = GLOBAL_DICTIONARY) {}

  /** The wire index of a word, adding it to the message words if needed. */
  indexOf(word: string): number {
    const global = this.dictionary.indexOf(word);
    if (global !== undefined) return global;
    let slot = this.slots.get(word);
    if (slot === undefined) {
      slot = this.words.length;
      this.words.push(word);
      this.slots.set(word, slot);
    }
    return -slot - 1;
  }
}

/**
 * Adds attributes to a CompressedAttributes message, indexing words through `words`.
 * Throws {@link AttributeTypeError} for a value that is not an attribute value.
 */
export function compressInto(entries: Iterable<[string, AttrValue]>, words: MessageWords, out: CompressedAttributesMessage): void {
  for (const [name, value] of entries) {
    const kind = attrKindOf(value);
    if (kind === undefined) throw new AttributeTypeError(name);
    const key = String(words.indexOf(name));
    switch (kind) {
      case 'string':
        (out.strings ??= {})[key] = words.indexOf(value as string);
        break;
      case 'int64':
        // A decimal string: protobufjs encodes it as int64 without going through a double.
        (out.int64s ??= {})[key] = (value as bigint).toString();
        break;
      case 'double':
        (out.doubles ??= {})[key] = value as number;
        break;
      case 'bool':
        (out.bools ??= {})[key] = value as boolean;
        break;
      case 'bytes':
        (out.bytes ??= {})[key] = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
        break;
      case 'timestamp':
        (out.timestamps ??= {})[key] = timestampOf(value as Date);
        break;
      case 'duration':
        (out.durations ??= {})[key] = durationOf((value as AttrDuration).ms);
        break;
      case 'string_map': {
        const entries: Record<string, number> = {};
        for (const [k, v] of Object.entries(value as AttrStringMap)) entries[String(words.indexOf(k))] = words.indexOf(v);
        (out.string_maps ??= {})[key] = { entries };
        break;
      }
    }
  }
}

/**
 * Encodes one bag as a self-contained CompressedAttributes (its own `words`), as in a CheckRequest.
 * Send `dictionary.size` as the request's `global_word_count`.
 */
export function encodeAttributes(bag: AttributeBag, dictionary: GlobalDictionary = GLOBAL_DICTIONARY): CompressedAttributesMessage {
  const words = new MessageWords(dictionary);
  const out: CompressedAttributesMessage = {};
  compressInto(bagEntries(bag), words, out);
  out.words = words.words;
  return out;
}

/** Options for {@link decodeAttributes}. */
export interface DecodeOptions {
  /** The receiver's dictionary; the request's `global_word_count` must not exceed its size. */
  dictionary?: GlobalDictionary;
  /** Message words to use when the message carries none (a ReportRequest's `default_words`). */
  defaultWords?: readonly string[];
}

/**
 * Decodes one CompressedAttributes. `globalWordCount` is the request's `global_word_count`: the
 * sender's dictionary size. Global indexes must fall inside it, so a sender using a dictionary
 * longer than the receiver's is refused instead of being misread.
 */
export function decodeAttributes(compressed: CompressedAttributesMessage, globalWordCount: number, options: DecodeOptions = {}): DecodeResult {
  const dictionary = options.dictionary ?? GLOBAL_DICTIONARY;
  const mismatch = dictionaryMismatch(globalWordCount, dictionary);
  if (mismatch) return { ok: false, error: mismatch };
  const bag: AttributeMap = new Map();
  const error = decodeInto(bag, compressed, globalWordCount, dictionary, options.defaultWords);
  return error === undefined ? { ok: true, bag } : { ok: false, error };
}

/** Why a sender's global word count cannot be served, or undefined when it can. */
export function dictionaryMismatch(globalWordCount: number, dictionary: GlobalDictionary): string | undefined {
  if (!Number.isInteger(globalWordCount) || globalWordCount < 0) return `global_word_count ${globalWordCount} is not a word count`;
  if (globalWordCount > dictionary.size) {
    return `inconsistent global dictionary versions: the request uses ${globalWordCount} global words, this Mixer knows ${dictionary.size}`;
  }
  return undefined;
}

/**
 * Decodes `compressed` into `target`, overwriting attributes already there (delta encoding relies
 * on that). Returns an error message, or undefined on success; on error `target` may be partly
 * updated.
 */
export function decodeInto(
  target: AttributeMap,
  compressed: CompressedAttributesMessage,
  globalWordCount: number,
  dictionary: GlobalDictionary,
  defaultWords?: readonly string[],
): string | undefined {
  const words = compressed.words && compressed.words.length > 0 ? compressed.words : (defaultWords ?? []);
  const lookup = (index: number): string => {
    if (!Number.isInteger(index)) throw new DecodeError(`word index ${String(index)} is not an integer`);
    const word = index >= 0 ? (index < globalWordCount ? dictionary.wordAt(index) : undefined) : words[-index - 1];
    if (word === undefined) {
      throw new DecodeError(`word index ${index} is not defined (global dictionary: ${globalWordCount} words, message dictionary: ${words.length} words)`);
    }
    return word;
  };
  const seen = new Map<string, string>();
  const put = (map: string, key: string, value: (name: string) => AttrValue): void => {
    const name = lookup(Number(key));
    const previous = seen.get(name);
    if (previous !== undefined) throw new DecodeError(`attribute "${name}" appears twice (in ${previous} and in ${map})`);
    seen.set(name, map);
    target.set(name, value(name));
  };
  try {
    for (const [k, v] of entriesOf(compressed.strings)) put('strings', k, () => lookup(v));
    for (const [k, v] of entriesOf(compressed.int64s)) put('int64s', k, (name) => toInt64(v, name));
    for (const [k, v] of entriesOf(compressed.doubles)) put('doubles', k, (name) => toDouble(v, name));
    for (const [k, v] of entriesOf(compressed.bools)) put('bools', k, (name) => toBool(v, name));
    for (const [k, v] of entriesOf(compressed.timestamps)) put('timestamps', k, (name) => fromTimestamp(v, name));
    for (const [k, v] of entriesOf(compressed.durations)) put('durations', k, (name) => new AttrDuration(fromDuration(v, name)));
    for (const [k, v] of entriesOf(compressed.bytes)) put('bytes', k, (name) => toBytes(v, name));
    for (const [k, v] of entriesOf(compressed.string_maps)) {
      put('string_maps', k, () => {
        const map: Record<string, string> = {};
        for (const [mk, mv] of entriesOf(v?.entries)) map[lookup(Number(mk))] = lookup(mv);
        return map;
      });
    }
  } catch (err) {
    if (err instanceof DecodeError) return err.message;
    throw err;
  }
  return undefined;
}

/** Internal: unwinds a decode to its single error message. */
class DecodeError extends Error {}

function entriesOf<V>(map: Record<string, V> | undefined | null): [string, V][] {
  return map ? Object.entries(map) : [];
}

function toInt64(v: unknown, name: string): bigint {
  try {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    // Long objects (other loaders) print as decimal.
    if (typeof v === 'string' || (typeof v === 'object' && v !== null)) return BigInt(String(v));
  } catch {
    // not a decimal integer; reported below
  }
  throw new DecodeError(`int64 attribute "${name}" has a value that is not an integer`);
}

function toDouble(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  throw new DecodeError(`double attribute "${name}" has a value that is not a number`);
}

function toBool(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new DecodeError(`bool attribute "${name}" has a value that is not a boolean`);
}

function toBytes(v: unknown, name: string): Buffer {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v);
  throw new DecodeError(`bytes attribute "${name}" has a value that is not bytes`);
}

/** Milliseconds in a {seconds, nanos} pair (Timestamp and Duration share the shape). */
function secondsNanosToMs(v: TimestampMessage | DurationMessage | undefined, what: string, name: string): number {
  const seconds = Number(v?.seconds ?? 0);
  const nanos = Number(v?.nanos ?? 0);
  if (!Number.isInteger(seconds) || !Number.isInteger(nanos) || Math.abs(nanos) >= 1e9) {
    throw new DecodeError(`${what} attribute "${name}" is not a valid ${what}`);
  }
  return seconds * 1000 + nanos / 1e6;
}

function fromTimestamp(v: TimestampMessage | undefined, name: string): Date {
  const date = new Date(Math.floor(secondsNanosToMs(v, 'timestamp', name)));
  if (Number.isNaN(date.getTime())) throw new DecodeError(`timestamp attribute "${name}" is out of range`);
  return date;
}

function fromDuration(v: DurationMessage | undefined, name: string): number {
  return secondsNanosToMs(v, 'duration', name);
}

/** A Date as google.protobuf.Timestamp (nanos are always non-negative). */
export function timestampOf(date: Date): TimestampMessage {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

/** Milliseconds as google.protobuf.Duration (seconds and nanos share the sign, as the spec requires). */
export function durationOf(ms: number): DurationMessage {
  let seconds = Math.trunc(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  // Rounding can carry a whole second (999.9999996 ms → 1e9 ns).
  if (Math.abs(nanos) >= 1e9) {
    seconds += Math.sign(nanos);
    nanos -= Math.sign(nanos) * 1e9;
  }
  return { seconds: String(seconds), nanos: nanos === 0 ? 0 : nanos };
}
