import type { SyncEntry } from '@mesh/meshctl';
import { syncState } from '@mesh/meshctl';

const TYPES = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'];

/** Pilot's view of every connected proxy (`/debug/syncz`). */
export async function fetchSyncz(pilotAdminUrl: string): Promise<SyncEntry[]> {
  const res = await fetch(new URL('/debug/syncz', pilotAdminUrl), { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`Pilot /debug/syncz answered ${res.status}`);
  return (await res.json()) as SyncEntry[];
}

/** True when `count` proxies are connected and every one has ACKed every type Pilot sent it. */
export function allSynced(entries: readonly SyncEntry[], count: number): boolean {
  return entries.length >= count && entries.every((e) => TYPES.every((t) => syncState(e.types[t]) === 'SYNCED'));
}

/**
 * Waits until every proxy has ACKed a RouteConfiguration version different from `before` (the
 * versions seen before a config change): the change has reached the data plane.
 */
export async function waitForRouteChange(pilotAdminUrl: string, before: ReadonlyMap<string, string | undefined>, timeoutMs: number): Promise<SyncEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let last: SyncEntry[] = [];
  while (Date.now() < deadline) {
    last = await fetchSyncz(pilotAdminUrl).catch(() => last);
    const changed = last.length >= before.size && last.every((e) => {
      const rds = e.types['RouteConfiguration'];
      return rds?.acked !== undefined && rds.acked === rds.sent && rds.acked !== before.get(e.proxyId);
    });
    if (changed) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sidecars did not ACK new routes within ${timeoutMs} ms`);
}

/** Each proxy's ACKed RouteConfiguration version now. */
export async function routeVersions(pilotAdminUrl: string): Promise<Map<string, string | undefined>> {
  return new Map((await fetchSyncz(pilotAdminUrl)).map((e) => [e.proxyId, e.types['RouteConfiguration']?.acked]));
}
