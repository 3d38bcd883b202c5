import fs from 'node:fs';

/** Inbound requests a sidecar served, by the caller's identity (`plaintext` when it came without mTLS). */
export type InboundCallers = ReadonlyMap<string, number>;

/** The plaintext bucket of {@link InboundCallers}. */
export const PLAINTEXT = 'plaintext';

/**
 * Counts the inbound records of a sidecar access log (JSON lines) by `downstream_peer_uri_san`,
 * the SPIFFE identity the server side verified; lines that are not JSON objects are skipped.
 */
export function inboundCallers(text: string): InboundCallers {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof rec !== 'object' || rec === null || (rec as { direction?: unknown }).direction !== 'inbound') continue;
    const san = (rec as { downstream_peer_uri_san?: unknown }).downstream_peer_uri_san;
    const key = typeof san === 'string' && san ? san : PLAINTEXT;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Reads {@link inboundCallers} from a file; an absent file means no requests yet. */
export function inboundCallersOf(file: string): InboundCallers {
  try {
    return inboundCallers(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

/** `spiffe://cluster.local/ns/default/sa/booking 300, plaintext 2`: identities first (sorted), plaintext last. */
export function formatCallers(callers: InboundCallers): string {
  const ids = [...callers.entries()].filter(([k]) => k !== PLAINTEXT).sort(([a], [b]) => a.localeCompare(b));
  const plain = callers.get(PLAINTEXT);
  const parts = [...ids.map(([k, n]) => `${k} ${n}`), ...(plain ? [`${PLAINTEXT} ${plain}`] : [])];
  return parts.length > 0 ? parts.join(', ') : 'no inbound requests';
}
