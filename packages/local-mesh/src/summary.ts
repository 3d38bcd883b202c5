import { formatSyncz } from '@mesh/meshctl';
import type { LocalMesh } from './local-mesh.js';
import { formatCallers, inboundCallersOf } from './mtls-summary.js';
import { fetchSyncz } from './sync.js';
import type { TrafficResult } from './traffic.js';
import { formatVersions } from './traffic.js';

/** The part of Mixer's /debug/reports the summary shows. */
interface MixerLedger {
  reportRequests: number;
  attributeSets: number;
  services?: Record<string, { total: number; versions?: Record<string, number>; reporters?: Record<string, number> }>;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/** The demo's summary: the canary split, each sidecar's sync state, Mixer and Citadel activity. */
export async function buildSummary(mesh: LocalMesh, traffic: TrafficResult): Promise<string> {
  const lines: string[] = ['', 'Summary'];
  lines.push(`  booking requests: ${traffic.sent} sent, ${traffic.ok} ok, ${traffic.failed} failed`);
  lines.push(`  shipping-service versions seen: ${formatVersions(traffic)}   (route: 90% v1 / 10% v2)`);
  lines.push('', '  sidecars, as Pilot sees them (SYNCED = ACKed the latest config):');
  try {
    lines.push(...formatSyncz(await fetchSyncz(mesh.pilotAdminUrl)).trimEnd().split('\n').map((l) => `    ${l}`));
  } catch (err) {
    lines.push(`    (Pilot's /debug/syncz unavailable: ${(err as Error).message})`);
  }
  try {
    const ledger = (await json(`${mesh.mixerAdminUrl}/debug/reports`)) as MixerLedger;
    lines.push('', `  mixer: ${ledger.attributeSets} request records in ${ledger.reportRequests} batched Report calls; by destination:`);
    for (const [host, s] of Object.entries(ledger.services ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      const versions = Object.entries(s.versions ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${v} ${n}`).join(', ');
      const reporters = Object.entries(s.reporters ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${r} ${n}`).join(', ');
      lines.push(`    ${host.padEnd(44)} ${String(s.total).padStart(5)}  (${versions}; reported by ${reporters})`);
    }
  } catch (err) {
    lines.push('', `  mixer: (unavailable: ${(err as Error).message})`);
  }
  // mTLS is on by default (PERMISSIVE + auto mTLS): the identity each server verified shows it.
  lines.push('', '  inbound requests by caller identity (mTLS between sidecars; from each sidecar access log):');
  for (const w of mesh.plan.workloads) {
    try {
      lines.push(`    ${w.name.padEnd(14)} ${formatCallers(inboundCallersOf(mesh.accessLogPath(w)))}`);
    } catch (err) {
      lines.push(`    ${w.name.padEnd(14)} (access log unreadable: ${(err as Error).message})`);
    }
  }
  lines.push('', '  workload identities issued by Citadel:');
  for (const w of mesh.plan.workloads) {
    try {
      const cert = (await json(`http://127.0.0.1:${w.adminPort}/certs`)) as { identity?: string; notAfter?: string };
      lines.push(`    ${w.name.padEnd(14)} ${cert.identity ?? '?'}  (valid until ${cert.notAfter ?? '?'})`);
    } catch (err) {
      lines.push(`    ${w.name.padEnd(14)} (no certificate: ${(err as Error).message})`);
    }
  }
  return lines.join('\n') + '\n';
}
