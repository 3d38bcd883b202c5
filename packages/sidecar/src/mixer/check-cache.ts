import { attrKindOf, GLOBAL_DICTIONARY } from '@mesh/shared-api';
import type { AttrValue, GlobalDictionary, ReferencedAttributesMessage } from '@mesh/shared-api';

/**
 * The sidecar's Check cache, as Istio's mixerclient keeps it: Mixer answers which attributes its
 * decision read (ReferencedAttributes: EXACT = the value mattered, ABSENCE = it mattered that the
 * attribute was absent) and for how long / how many requests the answer holds. A later request
 * with the same values for exactly those attributes gets the cached answer. Pure: time is passed in.
 */

/** One referenced attribute, decoded. */
export interface Reference {
  readonly name: string;
  readonly mapKey?: string;
  readonly condition: 'EXACT' | 'ABSENCE';
}

/** Decodes ReferencedAttributes; undefined when an index is outside the dictionaries. */
export function decodeReferenced(msg: ReferencedAttributesMessage | undefined, dictionary: GlobalDictionary = GLOBAL_DICTIONARY): Reference[] | undefined {
  const words = msg?.words ?? [];
  const word = (i: number | undefined): string | undefined => (i === undefined ? undefined : i >= 0 ? dictionary.wordAt(i) : words[-i - 1]);
  const out: Reference[] = [];
  for (const m of msg?.attribute_matches ?? []) {
    const name = word(m.name);
    if (name === undefined) return undefined;
    const condition = m.condition === 'ABSENCE' || m.condition === 1 ? 'ABSENCE' : 'EXACT';
    // proto3 has no presence for map_key: 0 means "no key", as in Istio's client (global word 0 is
    // an attribute name, never a map key).
    const mapKey = m.map_key ? word(m.map_key) : undefined;
    out.push(mapKey === undefined ? { name, condition } : { name, mapKey, condition });
  }
  return out;
}

function valueKey(v: AttrValue): string {
  switch (attrKindOf(v)) {
    case 'bytes':
      return `b:${Buffer.from(v as Uint8Array).toString('hex')}`;
    case 'timestamp':
      return `t:${(v as Date).getTime()}`;
    case 'duration':
      return `d:${(v as { ms: number }).ms}`;
    case 'string_map':
      return `m:${JSON.stringify(Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    default:
      return `${typeof v}:${String(v)}`;
  }
}

/** The cache key of a bag under one set of references, or undefined when the set does not apply. */
export function keyOf(refs: readonly Reference[], bag: ReadonlyMap<string, AttrValue>): string | undefined {
  const parts: string[] = [];
  for (const r of refs) {
    let v = bag.get(r.name);
    if (r.mapKey !== undefined) {
      const m = v as Record<string, string> | undefined;
      v = m !== undefined && typeof m === 'object' && Object.prototype.hasOwnProperty.call(m, r.mapKey) ? m[r.mapKey] : undefined;
    }
    const id = r.mapKey === undefined ? r.name : `${r.name}[${r.mapKey}]`;
    if (r.condition === 'ABSENCE') {
      if (v !== undefined) return undefined;
      parts.push(`${id}!`);
    } else {
      if (v === undefined) return undefined;
      parts.push(`${id}=${valueKey(v)}`);
    }
  }
  return parts.join('\u0000');
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
  usesLeft: number;
}

/** Check results by referenced attributes; bounded (oldest entries go first). */
export class CheckCache<T> {
  /** Reference sets seen, by their signature; each with its entries by key. */
  private readonly sets = new Map<string, { refs: Reference[]; entries: Map<string, Entry<T>> }>();
  private size = 0;

  constructor(private readonly maxEntries = 10_000) {}

  /** A cached answer for the bag (consuming one use), or undefined. */
  get(bag: ReadonlyMap<string, AttrValue>, now: number): T | undefined {
    for (const set of this.sets.values()) {
      const key = keyOf(set.refs, bag);
      if (key === undefined) continue;
      const e = set.entries.get(key);
      if (!e) continue;
      if (e.expiresAt <= now || e.usesLeft <= 0) {
        set.entries.delete(key);
        this.size--;
        continue;
      }
      e.usesLeft--;
      return e.value;
    }
    return undefined;
  }

  /** Stores an answer valid for `validMs` and `uses` requests (nothing when either is 0). */
  put(bag: ReadonlyMap<string, AttrValue>, refs: readonly Reference[], value: T, validMs: number, uses: number, now: number): void {
    if (validMs <= 0 || uses <= 0) return;
    const sorted = [...refs].sort((a, b) => (`${a.name}[${a.mapKey ?? ''}]` < `${b.name}[${b.mapKey ?? ''}]` ? -1 : 1));
    const signature = sorted.map((r) => `${r.name}[${r.mapKey ?? ''}]${r.condition}`).join(',');
    const key = keyOf(sorted, bag);
    if (key === undefined) return;
    let set = this.sets.get(signature);
    if (!set) this.sets.set(signature, (set = { refs: sorted, entries: new Map() }));
    if (!set.entries.has(key)) this.size++;
    // The first (use) was this request's own: the entry serves uses - 1 more.
    set.entries.set(key, { value, expiresAt: now + validMs, usesLeft: uses - 1 });
    while (this.size > this.maxEntries) this.evictOne();
  }

  private evictOne(): void {
    for (const [sig, set] of this.sets) {
      const first = set.entries.keys().next();
      if (!first.done) {
        set.entries.delete(first.value);
        this.size--;
        if (set.entries.size === 0) this.sets.delete(sig);
        return;
      }
      this.sets.delete(sig);
    }
  }

  /** Entries held. */
  get entries(): number {
    return this.size;
  }

  clear(): void {
    this.sets.clear();
    this.size = 0;
  }
}
