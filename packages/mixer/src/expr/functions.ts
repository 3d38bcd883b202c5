import net from 'node:net';

/**
 * CEXL's helper functions that CEL lacks, shared by the CEL environment and the adapters.
 */

/** CEXL `match(s, pattern)`: a pattern with a leading or trailing `*` is a suffix / prefix match, else equality. */
export function globMatch(s: string, pattern: string): boolean {
  if (pattern.endsWith('*')) return s.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return s.endsWith(pattern.slice(1));
  return s === pattern;
}

/** An IPv4 or IPv6 address as 4 or 16 bytes (Mixer's IP_ADDRESS), or undefined. */
export function parseIp(s: string): Uint8Array | undefined {
  const family = net.isIP(s);
  if (family === 4) return Uint8Array.from(s.split('.').map(Number));
  if (family !== 6) return undefined;
  if (s.includes('.')) return undefined; // IPv4-mapped forms are not used by the mesh
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** An IP address (4 or 16 bytes) in text form. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
    return groups.join(':');
  }
  return Buffer.from(b).toString('hex');
}

const UNITS_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration string (`1.5s`, `500ms`, `1m30s`) in milliseconds, or undefined. */
export function parseDurationMs(s: string): number | undefined {
  const text = s.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}
