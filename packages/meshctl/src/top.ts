import { renderTable } from './output.js';
import type { Colours } from './output.js';

/** One sample line of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text exposition format (comments skipped; only what `names` lists). */
export function parsePrometheus(text: string, names?: ReadonlySet<string>): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m || (names && !names.has(m[1]!))) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** What one service received over a window (or since its sidecars started). */
export interface ServiceTraffic {
  requests: number;
  errors: number;
  durationSumMs: number;
  /** Cumulative histogram: upper bound (ms, Infinity last) → count. */
  buckets: Map<number, number>;
}

/** Requests and the duration histogram per service, server side (inbound), summed over sidecars. */
export type TrafficSnapshot = Map<string, ServiceTraffic>;

const REQUESTS = 'mesh_sidecar_requests_total';
const DURATION = 'mesh_sidecar_request_duration_ms';
const NAMES = new Set([REQUESTS, `${DURATION}_bucket`, `${DURATION}_sum`]);

/** `inbound|80||shipping-service.default.svc.cluster.local` → `shipping-service.default`. */
export function serviceOfCluster(cluster: string): string {
  const host = cluster.split('|').at(-1) ?? cluster;
  const m = /^(.+?)\.(.+?)\.svc\./.exec(host);
  return m ? `${m[1]}.${m[2]}` : host;
}

function entry(snap: TrafficSnapshot, service: string): ServiceTraffic {
  let t = snap.get(service);
  if (!t) snap.set(service, (t = { requests: 0, errors: 0, durationSumMs: 0, buckets: new Map() }));
  return t;
}

/**
 * The inbound side of every sidecar's metrics, added up per service. Inbound only, so each
 * request counts once, where the service answered it; an error is a 5xx or a reset (status 0).
 */
export function trafficSnapshot(expositions: readonly string[]): TrafficSnapshot {
  const snap: TrafficSnapshot = new Map();
  for (const text of expositions) {
    for (const s of parsePrometheus(text, NAMES)) {
      if (s.labels['direction'] !== 'inbound') continue;
      const t = entry(snap, serviceOfCluster(s.labels['cluster'] ?? ''));
      if (s.name === REQUESTS) {
        t.requests += s.value;
        const status = Number(s.labels['status']);
        if (status === 0 || status >= 500) t.errors += s.value;
      } else if (s.name.endsWith('_sum')) t.durationSumMs += s.value;
      else {
        const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
        t.buckets.set(le, (t.buckets.get(le) ?? 0) + s.value);
      }
    }
  }
  return snap;
}

/** `after - before` per service (a sidecar restarted in between: its counters start again from 0, so `after` is taken whole). */
export function trafficDelta(before: TrafficSnapshot, after: TrafficSnapshot): TrafficSnapshot {
  const out: TrafficSnapshot = new Map();
  for (const [service, a] of after) {
    const b = before.get(service);
    if (!b || b.requests > a.requests) {
      out.set(service, a);
      continue;
    }
    const buckets = new Map<number, number>();
    for (const [le, n] of a.buckets) buckets.set(le, Math.max(0, n - (b.buckets.get(le) ?? 0)));
    out.set(service, { requests: a.requests - b.requests, errors: Math.max(0, a.errors - b.errors), durationSumMs: Math.max(0, a.durationSumMs - b.durationSumMs), buckets });
  }
  return out;
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function quantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** One row of `meshctl top`, also its JSON form. */
export interface TopRow {
  service: string;
  requests: number;
  /** Requests per second over the window; undefined for totals since start. */
  rps?: number;
  errorRate: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
}

/** The rows, busiest service first. `windowS` undefined: totals since the sidecars started. */
export function topRows(traffic: TrafficSnapshot, windowS?: number): TopRow[] {
  return [...traffic.entries()]
    .map(([service, t]) => ({
      service,
      requests: t.requests,
      ...(windowS ? { rps: t.requests / windowS } : {}),
      errorRate: t.requests > 0 ? t.errors / t.requests : 0,
      p50Ms: quantile(0.5, t.buckets),
      p90Ms: quantile(0.9, t.buckets),
      p99Ms: quantile(0.99, t.buckets),
    }))
    .sort((a, b) => b.requests - a.requests || a.service.localeCompare(b.service));
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`);

/** The table for people; error rates above zero in red, on a terminal. */
export function formatTop(rows: readonly TopRow[], c: Colours): string {
  return renderTable(
    ['SERVICE', 'REQUESTS', 'RPS', 'ERRORS', 'P50', 'P90', 'P99'],
    rows.map((r) => {
      const err = `${(r.errorRate * 100).toFixed(1)}%`;
      return [r.service, String(r.requests), r.rps === undefined ? '-' : r.rps.toFixed(1), r.errorRate > 0 ? c.red(err) : c.green(err), ms(r.p50Ms), ms(r.p90Ms), ms(r.p99Ms)];
    }),
  );
}
