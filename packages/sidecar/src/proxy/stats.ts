import type { ProcessMetrics } from '@mesh/runtime';

type Meter = ProcessMetrics['meter'];
type Histogram = ReturnType<Meter['createHistogram']>;

interface DirectionCounters {
  total: number;
  reset: number;
  /** Responses by status class: index 1 = 1xx … 5 = 5xx. */
  readonly classes: number[];
  readonly flags: Map<string, number>;
}

interface ClusterCounters {
  total: number;
  readonly byStatus: Map<number, number>;
  readonly flags: Map<string, number>;
}

/** One series of `mesh_sidecar_requests_total`. */
interface RequestSeries {
  readonly attrs: { direction: string; cluster: string; status: string; flags: string };
  count: number;
}

function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/**
 * Counters in Envoy's naming (`cluster.<name>.upstream_rq_200`, `http.<direction>.response_flag.UH`),
 * served on /stats, and the same events as OpenTelemetry instruments for /metrics. The per-request
 * path only bumps numbers in maps keyed by what it already has: names are built when /stats is
 * read, and the request counter is an observable one, read at scrape time.
 */
export class SidecarStats {
  private readonly counters = new Map<string, number>();
  private readonly directions = new Map<string, DirectionCounters>();
  private readonly clusters = new Map<string, ClusterCounters>();
  private readonly series = new Map<string, RequestSeries>();
  private readonly durations: Histogram | undefined;
  private readonly durationAttrs = new Map<string, { direction: string; cluster: string }>();

  constructor(meter?: Meter) {
    if (meter) {
      const requests = meter.createObservableCounter('mesh_sidecar_requests_total', { description: 'requests handled by the sidecar proxy' });
      requests.addCallback((result) => {
        for (const s of this.series.values()) result.observe(s.count, s.attrs);
      });
    }
    this.durations = meter?.createHistogram('mesh_sidecar_request_duration_ms', { description: 'request duration as the downstream saw it', unit: 'ms' });
  }

  /** Adds to a plain counter. */
  inc(name: string, by = 1): void {
    bump(this.counters, name, by);
  }

  /** A counter's value (0 when never incremented). */
  get(name: string): number {
    return this.all().get(name) ?? 0;
  }

  /** Records one finished request under its direction, cluster, status and flags. */
  recordRequest(r: { direction: string; cluster?: string; status: number; flags: readonly string[]; durationMs: number }): void {
    let d = this.directions.get(r.direction);
    if (!d) {
      d = { total: 0, reset: 0, classes: [0, 0, 0, 0, 0, 0], flags: new Map() };
      this.directions.set(r.direction, d);
    }
    d.total++;
    if (r.status === 0) d.reset++;
    else d.classes[Math.min(5, Math.floor(r.status / 100))]!++;
    for (const f of r.flags) bump(d.flags, f);
    const cluster = r.cluster ?? '';
    if (cluster) {
      let c = this.clusters.get(cluster);
      if (!c) {
        c = { total: 0, byStatus: new Map(), flags: new Map() };
        this.clusters.set(cluster, c);
      }
      c.total++;
      bump(c.byStatus, r.status);
      for (const f of r.flags) bump(c.flags, f);
    }
    const flags = r.flags.length === 0 ? '-' : r.flags.length === 1 ? r.flags[0]! : r.flags.join(',');
    const key = `${r.direction}|${cluster}|${r.status}|${flags}`;
    let s = this.series.get(key);
    if (!s) {
      s = { attrs: { direction: r.direction, cluster, status: String(r.status), flags }, count: 0 };
      this.series.set(key, s);
    }
    s.count++;
    if (this.durations) {
      const dk = `${r.direction}|${cluster}`;
      let attrs = this.durationAttrs.get(dk);
      if (!attrs) {
        attrs = { direction: r.direction, cluster };
        this.durationAttrs.set(dk, attrs);
      }
      this.durations.record(r.durationMs, attrs);
    }
  }

  /** Every counter by its Envoy-style name. */
  all(): Map<string, number> {
    const out = new Map(this.counters);
    for (const [dir, d] of this.directions) {
      out.set(`http.${dir}.downstream_rq_total`, d.total);
      if (d.reset > 0) out.set(`http.${dir}.downstream_rq_reset`, d.reset);
      d.classes.forEach((n, i) => n > 0 && out.set(`http.${dir}.downstream_rq_${i}xx`, n));
      for (const [f, n] of d.flags) out.set(`http.${dir}.response_flag.${f}`, n);
    }
    for (const [name, c] of this.clusters) {
      out.set(`cluster.${name}.upstream_rq_total`, c.total);
      for (const [status, n] of c.byStatus) out.set(`cluster.${name}.upstream_rq_${status}`, n);
      for (const [f, n] of c.flags) out.set(`cluster.${name}.response_flag.${f}`, n);
    }
    return out;
  }

  /** `name: value` lines sorted by name, as Envoy's /stats prints them. */
  render(): string {
    return [...this.all().entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')
      .concat('\n');
  }
}
