import type { ProcessMetrics } from '@mesh/runtime';

type Meter = ProcessMetrics['meter'];
type Counter = ReturnType<Meter['createCounter']>;
type Histogram = ReturnType<Meter['createHistogram']>;

/**
 * Plain counters in Envoy's naming (`cluster.<name>.upstream_rq_200`), served on /stats, and the
 * same events as OpenTelemetry instruments for /metrics when a meter is given.
 */
export class SidecarStats {
  private readonly counters = new Map<string, number>();
  private readonly requests: Counter | undefined;
  private readonly durations: Histogram | undefined;

  constructor(meter?: Meter) {
    this.requests = meter?.createCounter('mesh_sidecar_requests_total', { description: 'requests handled by the sidecar proxy' });
    this.durations = meter?.createHistogram('mesh_sidecar_request_duration_ms', { description: 'request duration as the downstream saw it', unit: 'ms' });
  }

  /** Adds to a plain counter. */
  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** A counter's value (0 when never incremented). */
  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** Records one finished request under its direction, cluster, status and flags. */
  recordRequest(r: { direction: string; cluster?: string; status: number; flags: readonly string[]; durationMs: number }): void {
    const flags = r.flags.length > 0 ? r.flags.join(',') : '-';
    this.inc(`http.${r.direction}.downstream_rq_total`);
    this.inc(`http.${r.direction}.downstream_rq_${r.status === 0 ? 'reset' : `${Math.floor(r.status / 100)}xx`}`);
    for (const f of r.flags) this.inc(`http.${r.direction}.response_flag.${f}`);
    if (r.cluster) {
      this.inc(`cluster.${r.cluster}.upstream_rq_total`);
      this.inc(`cluster.${r.cluster}.upstream_rq_${r.status}`);
      for (const f of r.flags) this.inc(`cluster.${r.cluster}.response_flag.${f}`);
    }
    const attrs = { direction: r.direction, cluster: r.cluster ?? '', status: String(r.status), flags };
    this.requests?.add(1, attrs);
    this.durations?.record(r.durationMs, { direction: r.direction, cluster: r.cluster ?? '' });
  }

  /** `name: value` lines sorted by name, as Envoy's /stats prints them. */
  render(): string {
    return [...this.counters.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')
      .concat('\n');
  }
}
