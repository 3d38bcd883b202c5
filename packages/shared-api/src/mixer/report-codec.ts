import type { AttrValue } from './attribute-value.js';
import { attrValuesEqual } from './attribute-value.js';
import type { AttributeBag, AttributeMap } from './attribute-codec.js';
import { bagEntries, compressInto, decodeInto, dictionaryMismatch, MessageWords } from './attribute-codec.js';
import { GLOBAL_DICTIONARY } from './global-words.js';
import type { GlobalDictionary } from './global-words.js';
import type { CompressedAttributesMessage, RepeatedAttributesSemantics, ReportRequestMessage } from './messages.js';

/**
 * ReportRequest encoding (istio.io/api mixer/v1/report.proto). One request carries many bags,
 * one per reported action. Words missing from the global dictionary are shared by all bags in
 * `default_words` (a bag with its own `words` uses those instead). Under DELTA_ENCODING each
 * bag after the first carries only the attributes that differ from the previous bag, and the
 * receiver applies it on top of the previous bag; the encoding cannot delete an attribute.
 */

/** Options for {@link encodeReportRequest}. */
export interface EncodeReportOptions {
  /** The sender's dictionary; its size is sent as `global_word_count`. */
  dictionary?: GlobalDictionary;
  /** DELTA_ENCODING (default) or INDEPENDENT_ENCODING. */
  semantics?: RepeatedAttributesSemantics;
}

/**
 * Encodes bags into one ReportRequest. DELTA_ENCODING is used when it can express the bags:
 * when some bag lacks an attribute the bag before it had, delta encoding has no way to remove it,
 * so the whole request falls back to INDEPENDENT_ENCODING (which the request then says).
 * Throws AttributeTypeError for a value that is not an attribute value.
 */
export function encodeReportRequest(bags: readonly AttributeBag[], options: EncodeReportOptions = {}): ReportRequestMessage {
  const dictionary = options.dictionary ?? GLOBAL_DICTIONARY;
  const maps = bags.map((bag) => new Map(bagEntries(bag)));
  const semantics = (options.semantics ?? 'DELTA_ENCODING') === 'DELTA_ENCODING' && deltaExpressible(maps) ? 'DELTA_ENCODING' : 'INDEPENDENT_ENCODING';
  const words = new MessageWords(dictionary);
  const attributes: CompressedAttributesMessage[] = [];
  let previous: ReadonlyMap<string, AttrValue> | undefined;
  for (const map of maps) {
    const out: CompressedAttributesMessage = {};
    const entries = semantics === 'DELTA_ENCODING' && previous ? changedEntries(previous, map) : map.entries();
    compressInto(entries, words, out);
    attributes.push(out);
    previous = map;
  }
  return {
    attributes,
    repeated_attributes_semantics: semantics,
    default_words: words.words,
    global_word_count: dictionary.size,
  };
}

/** True when no bag drops an attribute its predecessor had (delta encoding cannot delete). */
function deltaExpressible(maps: readonly ReadonlyMap<string, AttrValue>[]): boolean {
  for (let i = 1; i < maps.length; i++) {
    for (const name of maps[i - 1]!.keys()) if (!maps[i]!.has(name)) return false;
  }
  return true;
}

function changedEntries(previous: ReadonlyMap<string, AttrValue>, current: ReadonlyMap<string, AttrValue>): [string, AttrValue][] {
  const changed: [string, AttrValue][] = [];
  for (const [name, value] of current) {
    const before = previous.get(name);
    if (before === undefined || !attrValuesEqual(before, value)) changed.push([name, value]);
  }
  return changed;
}

/** Why a ReportRequest was refused: a dictionary the receiver does not know, or a malformed bag. */
export type ReportDecodeFailure = { ok: false; reason: 'dictionary' | 'malformed'; error: string };

/** The decoded bags of a ReportRequest, in order, each complete (deltas applied). */
export type ReportDecodeResult = { ok: true; bags: AttributeMap[]; semantics: RepeatedAttributesSemantics } | ReportDecodeFailure;

/**
 * Decodes every bag of a ReportRequest; the request is refused as a whole if any bag is invalid,
 * since under delta encoding the bags after a bad one cannot be trusted either.
 */
export function decodeReportRequest(request: ReportRequestMessage, dictionary: GlobalDictionary = GLOBAL_DICTIONARY): ReportDecodeResult {
  const globalWordCount = request.global_word_count ?? 0;
  const mismatch = dictionaryMismatch(globalWordCount, dictionary);
  if (mismatch) return { ok: false, reason: 'dictionary', error: mismatch };
  const semantics = semanticsOf(request.repeated_attributes_semantics);
  if (!semantics) return { ok: false, reason: 'malformed', error: `unknown repeated_attributes_semantics ${String(request.repeated_attributes_semantics)}` };
  const bags: AttributeMap[] = [];
  let previous: AttributeMap | undefined;
  const all = request.attributes ?? [];
  for (let i = 0; i < all.length; i++) {
    const bag: AttributeMap = semantics === 'DELTA_ENCODING' && previous ? new Map(previous) : new Map();
    const error = decodeInto(bag, all[i]!, globalWordCount, dictionary, request.default_words);
    if (error !== undefined) return { ok: false, reason: 'malformed', error: `attributes[${i}]: ${error}` };
    bags.push(bag);
    previous = bag;
  }
  return { ok: true, bags, semantics };
}

function semanticsOf(value: ReportRequestMessage['repeated_attributes_semantics']): RepeatedAttributesSemantics | undefined {
  if (value === undefined || value === 'DELTA_ENCODING' || value === 0) return 'DELTA_ENCODING';
  if (value === 'INDEPENDENT_ENCODING' || value === 1) return 'INDEPENDENT_ENCODING';
  return undefined;
}
