import { isIP } from 'node:net';
import type { CidrModel } from './rbac-model.js';

/** The bytes of an IPv4 or IPv6 address (IPv4-mapped IPv6 as IPv4), or undefined when it is not one. */
export function addressBytes(address: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(a);
  if (family === 4) return { family: 4, bytes: Uint8Array.from(a.split('.').map(Number)) };
  if (family !== 6) return undefined;
  const [head = '', tail] = a.split('::') as [string, string | undefined];
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').flatMap((w) => (w.includes('.') ? v4Words(w) : [parseInt(w, 16)])));
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return { family: 6, bytes };
}

function v4Words(v4: string): number[] {
  const b = v4.split('.').map(Number);
  return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
}

/** Parses `address_prefix` + `prefix_len` (Envoy `CidrRange`); undefined when the address is not an IP. */
export function parseCidr(address: string, prefixLen: number | undefined): CidrModel | undefined {
  const parsed = addressBytes(address);
  if (!parsed) return undefined;
  const max = parsed.family === 4 ? 32 : 128;
  return { ...parsed, prefixLen: Math.min(max, prefixLen ?? max) };
}

/** True when `address` lies in the range (an address of the other family never does). */
export function cidrContains(cidr: CidrModel, address: string): boolean {
  const a = addressBytes(address);
  if (!a || a.family !== cidr.family) return false;
  let bits = cidr.prefixLen;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a.bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}
