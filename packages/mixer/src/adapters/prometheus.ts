import type { AdapterHandler, AdapterInstance, InstanceValue, MixerAdapter } from '@mesh/shared-api';
import { numberParam, param, valueNumber, valueText } from './params.js';

/**
 * `prometheus`: metric instances become Prometheus counters, gauges and histograms, served in the
 * text exposition format on Mixer's adapter metrics port (42422, like Istio's). Metric names are
 * `<namespace>_<name>` (namespace `istio` by default: `istio_requests_total`), labels are the
 * metric's `label_names` taken from the instance's dimensions.
 */
interface MetricDef {
  readonly fullName: string;
  readonly instanceName: string;
  readonly kind: 'COUNTER' | 'GAUGE' | 'DISTRIBUTION';
  readonly labelNames: readonly string[];
  /** The label names joined: equal for metrics with the same labels. */
  readonly labelId: string;
  readonly help: string;
  readonly bounds: readonly number[];
}

interface Series {
  readonly labels: string;
  value: number;
  counts?: number[];
  sum?: number;
}

/** Finite bucket bounds from Istio's buckets param (explicit, linear or exponential). */
export function bucketBounds(buckets: Record<string, unknown> | undefined): number[] {
  const b = (buckets ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const explicit = b['explicitBuckets'] ?? b['explicit_buckets'];
  if (explicit) return ((param(explicit, 'bounds') as number[] | undefined) ?? []).map(Number);
  const linear = b['linearBuckets'] ?? b['linear_buckets'];
  if (linear) {
    const n = numberParam(linear, 'numFiniteBuckets', 0);
    const width = numberParam(linear, 'width', 1);
    const offset = numberParam(linear, 'offset', 0);
    return Array.from({ length: n + 1 }, (_, i) => offset + width * i);
  }
  const exp = b['exponentialBuckets'] ?? b['exponential_buckets'];
  if (exp) {
    const n = numberParam(exp, 'numFiniteBuckets', 0);
    const scale = numberParam(exp, 'scale', 1);
    const growth = numberParam(exp, 'growthFactor', 2);
    return Array.from({ length: n + 1 }, (_, i) => scale * growth ** i);
  }
  // Istio's default: exponential, 20 finite buckets from 1 by a factor of 2... in practice Istio's
  // configs always set buckets; Prometheus' client default is used here.
  return [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}

function kindOf(v: unknown): MetricDef['kind'] {
  if (v === 'GAUGE' || v === 1) return 'GAUGE';
  if (v === 'DISTRIBUTION' || v === 3) return 'DISTRIBUTION';
  return 'COUNTER';
}

/** Escapes a label value for the exposition format. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return Number.isNaN(n) ? 'NaN' : String(n);
}

/** Metrics of one prometheus handler. */
export class PrometheusHandler implements AdapterHandler {
  private readonly defs: MetricDef[];
  private readonly byInstance = new Map<string, MetricDef[]>();
  private readonly series = new Map<string, Map<string, Series>>();
  private lastKey: { dims: object; labelId: string; key: string } | undefined;

  constructor(params: Readonly<Record<string, unknown>>) {
    const metrics = (param(params, 'metrics') as Array<Record<string, unknown>> | undefined) ?? [];
    this.defs = metrics.map((m) => {
      const ns = typeof m['namespace'] === 'string' ? m['namespace'] : 'istio';
      const name = String(m['name'] ?? '');
      return {
        fullName: ns ? `${ns}_${name}` : name,
        instanceName: String(param(m, 'instanceName') ?? ''),
        kind: kindOf(m['kind']),
        labelNames: ((param(m, 'labelNames') as string[] | undefined) ?? []).map(String),
        labelId: ((param(m, 'labelNames') as string[] | undefined) ?? []).map(String).join(','),
        help: typeof m['description'] === 'string' && m['description'] ? m['description'] : `${name} (Mixer prometheus adapter)`,
        bounds: bucketBounds(m['buckets'] as Record<string, unknown> | undefined),
      };
    });
    for (const d of this.defs) {
      this.byInstance.set(d.instanceName, [...(this.byInstance.get(d.instanceName) ?? []), d]);
      this.series.set(d.fullName, new Map());
    }
  }

  private defsFor(instance: string): MetricDef[] {
    const exact = this.byInstance.get(instance);
    if (exact) return exact;
    // `requestcount.metric.istio-system` may be configured as `requestcount.metric`.
    const short = instance.split('.')[0]!;
    const defs = [...this.byInstance].filter(([n]) => n.split('.')[0] === short && instance.startsWith(n)).flatMap(([, d]) => d);
    this.byInstance.set(instance, defs);
    return defs;
  }

  handleReport(instances: readonly AdapterInstance[]): void {
    for (const inst of instances) {
      for (const def of this.defsFor(inst.name)) this.record(def, inst);
    }
  }

  private record(def: MetricDef, inst: AdapterInstance): void {
    const value = valueNumber(inst.fields['value']);
    if (value === undefined) return;
    const dims = (inst.fields['dimensions'] ?? {}) as Record<string, InstanceValue>;
    // Series are found by their label values; the escaped label text is built once per series.
    // Istio's metrics share one dimensions object per request: its key is computed once.
    let key: string;
    if (this.lastKey && this.lastKey.dims === dims && this.lastKey.labelId === def.labelId) key = this.lastKey.key;
    else {
      key = '';
      for (const l of def.labelNames) key += `${valueText(dims[l])}\u0001`;
      this.lastKey = { dims, labelId: def.labelId, key };
    }
    const all = this.series.get(def.fullName)!;
    let s = all.get(key);
    if (!s) {
      const labels = def.labelNames.map((l) => `${l}="${escapeLabel(valueText(dims[l]))}"`).join(',');
      all.set(key, (s = def.kind === 'DISTRIBUTION' ? { labels, value: 0, counts: new Array<number>(def.bounds.length).fill(0), sum: 0 } : { labels, value: 0 }));
    }
    if (def.kind === 'COUNTER') s.value += value;
    else if (def.kind === 'GAUGE') s.value = value;
    else {
      s.value += 1;
      s.sum! += value;
      // Per-bucket counts here; the exposition makes them cumulative.
      let i = 0;
      while (i < def.bounds.length && value > def.bounds[i]!) i++;
      if (i < def.bounds.length) s.counts![i]! += 1;
    }
  }

  prometheusText(): string {
    const lines: string[] = [];
    for (const def of this.defs) {
      const type = def.kind === 'COUNTER' ? 'counter' : def.kind === 'GAUGE' ? 'gauge' : 'histogram';
      lines.push(`# HELP ${def.fullName} ${def.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${def.fullName} ${type}`);
      for (const s of this.series.get(def.fullName)!.values()) {
        const braces = (extra?: string) => {
          const all = [s.labels, extra].filter((x) => x).join(',');
          return all ? `{${all}}` : '';
        };
        if (def.kind !== 'DISTRIBUTION') {
          lines.push(`${def.fullName}${braces()} ${formatNumber(s.value)}`);
          continue;
        }
        let cumulative = 0;
        def.bounds.forEach((b, i) => {
          cumulative += s.counts![i]!;
          lines.push(`${def.fullName}_bucket${braces(`le="${formatNumber(b)}"`)} ${cumulative}`);
        });
        lines.push(`${def.fullName}_bucket${braces('le="+Inf"')} ${s.value}`);
        lines.push(`${def.fullName}_sum${braces()} ${formatNumber(s.sum!)}`);
        lines.push(`${def.fullName}_count${braces()} ${s.value}`);
      }
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}

/** The built-in prometheus adapter. */
export const prometheusAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'prometheus',
  templates: ['metric'],
  validateParams(params) {
    const metrics = (param(params, 'metrics') as Array<Record<string, unknown>> | undefined) ?? [];
    return metrics.flatMap((m, i) => (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(String(m['name'] ?? '')) ? [] : [`metrics[${i}].name: "${String(m['name'])}" is not a Prometheus metric name`]));
  },
  createHandler(params) {
    return new PrometheusHandler(params);
  },
};
