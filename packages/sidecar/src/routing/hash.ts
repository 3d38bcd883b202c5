/**
 * A fast 32-bit string hash (MurmurHash3 x86_32) for consistent hashing. Envoy uses xxHash64; the
 * sidecar needs the same property (stable, well-spread keys), not Envoy's exact values, since no
 * two proxies need to agree on a ring.
 */
export function hash32(text: string, seed = 0): number {
  let h = seed >>> 0;
  const len = text.length;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    let k = (text.charCodeAt(i) & 0xffff) | ((text.charCodeAt(i + 1) & 0xffff) << 8) | ((text.charCodeAt(i + 2) & 0xffff) << 16) | ((text.charCodeAt(i + 3) & 0xffff) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = len - i;
  if (rest > 0) {
    let k = text.charCodeAt(i) & 0xffff;
    if (rest > 1) k ^= (text.charCodeAt(i + 1) & 0xffff) << 8;
    if (rest > 2) k ^= (text.charCodeAt(i + 2) & 0xffff) << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines hashes of several hash policies the way Envoy does (rotate left by one, then xor), in 32 bits. */
export function combineHash(acc: number, next: number): number {
  return (((acc << 1) | (acc >>> 31)) ^ next) >>> 0;
}
