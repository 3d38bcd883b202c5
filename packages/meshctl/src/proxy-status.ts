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

/** Renders `meshctl proxy-status`, with every NACK's message under the table. */
export function formatSyncz(entries: readonly SyncEntry[]): string {
  const header = ['NAME', ...TYPE_COLUMNS.map(([, c]) => c)];
  const rows = entries.map((e) => [e.proxyId, ...TYPE_COLUMNS.map(([t]) => syncState(e.types[t]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]! + 3)).join('').trimEnd() + '\n';
  let out = line(header) + rows.map(line).join('');
  for (const e of entries) {
    for (const [t, c] of TYPE_COLUMNS) {
      const nack = e.types[t]?.lastNack;
      if (nack && syncState(e.types[t]) === 'NACKED') out += `${e.proxyId} rejected ${c}: ${nack.message}\n`;
    }
  }
  return out;
}
