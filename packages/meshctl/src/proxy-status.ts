import type { Colours } from './output.js';
import { renderTable } from './output.js';

/** One proxy as Pilot's /debug/syncz reports it. */
export interface SyncEntry {
  proxyId: string;
  workload?: { service?: string; namespace?: string; labels?: Record<string, string> };
  connectedAt?: string;
  types: Record<string, { sent?: string; acked?: string; nonce?: string; lastNack?: { message: string; version?: string; at?: string } }>;
}

const TYPE_COLUMNS: ReadonlyArray<[string, string]> = [
  ['Cluster', 'CDS'],
  ['Listener', 'LDS'],
  ['ClusterLoadAssignment', 'EDS'],
  ['RouteConfiguration', 'RDS'],
];

/** SYNCED when the proxy ACKed what was sent, STALE when it has not yet, NACKED (with the reason) when it refused. */
export function syncState(t: SyncEntry['types'][string] | undefined): string {
  if (!t || t.sent === undefined) return 'NOT SENT';
  if (t.lastNack && t.acked !== t.sent) return 'NACKED';
  return t.acked === t.sent ? 'SYNCED' : 'STALE';
}

/** Renders `meshctl proxy-status`, with every NACK's message under the table; states coloured when `c` is on. */
export function formatSyncz(entries: readonly SyncEntry[], c?: Colours): string {
  const header = ['NAME', ...TYPE_COLUMNS.map(([, col]) => col)];
  const paint = (state: string): string => (!c ? state : state === 'SYNCED' ? c.green(state) : state === 'NACKED' ? c.red(state) : c.yellow(state));
  const rows = entries.map((e) => [e.proxyId, ...TYPE_COLUMNS.map(([t]) => paint(syncState(e.types[t])))]);
  let out = renderTable(header, rows);
  for (const e of entries) {
    for (const [t, col] of TYPE_COLUMNS) {
      const nack = e.types[t]?.lastNack;
      if (nack && syncState(e.types[t]) === 'NACKED') out += `${e.proxyId} rejected ${col}: ${nack.message}\n`;
    }
  }
  return out;
}
