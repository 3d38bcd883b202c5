import { randomBytes } from 'node:crypto';
import type { AdapterEnv, AdapterHandler, AdapterInstance, InstanceValue, MixerAdapter } from '@mesh/shared-api';
import { durationParam, param, valueNumber, valueText } from './params.js';

/**
 * `opentelemetry`: metric instances as OTLP sums (cumulative, monotonic: one series per metric
 * instance and dimension set) and tracespan instances as OTLP spans, posted as OTLP/HTTP JSON to
 * `endpoint` (`/v1/metrics`, `/v1/traces`) every `flushInterval` (default 5 s). A failed post is
 * logged; spans of a failed post are dropped, sums are cumulative and are sent again next time.
 */
type OtlpAttr = { key: string; value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean } };

function attr(key: string, v: InstanceValue): OtlpAttr {
  if (typeof v === 'bigint') return { key, value: { intValue: v.toString() } };
  if (typeof v === 'number') return { key, value: { doubleValue: v } };
  if (typeof v === 'boolean') return { key, value: { boolValue: v } };
  return { key, value: { stringValue: valueText(v) } };
}

function attrs(m: InstanceValue | undefined): OtlpAttr[] {
  if (!m || typeof m !== 'object' || m instanceof Uint8Array || m instanceof Date || 'ms' in m) return [];
  return Object.entries(m as Record<string, InstanceValue>).map(([k, v]) => attr(k, v));
}

function nanos(v: InstanceValue | undefined, fallback: number): string {
  const ms = v instanceof Date ? v.getTime() : fallback;
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

function hexId(v: InstanceValue | undefined, bytes: number): string {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  return /^[0-9a-f]+$/.test(s) && s.length === bytes * 2 ? s : randomBytes(bytes).toString('hex');
}

class OtelHandler implements AdapterHandler {
  private readonly sums = new Map<string, { metric: string; attributes: OtlpAttr[]; value: number; start: string }>();
  private spans: object[] = [];
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  private readonly endpoint: string;
  private readonly resource: { attributes: OtlpAttr[] };

  constructor(
    params: Readonly<Record<string, unknown>>,
    private readonly env: AdapterEnv,
  ) {
    this.endpoint = String(param(params, 'endpoint') ?? 'http://127.0.0.1:4318').replace(/\/$/, '');
    this.resource = { attributes: [attr('service.name', String(param(params, 'serviceName') ?? 'istio-mixer'))] };
    this.timer = setInterval(() => void this.flush(), durationParam(params, 'flushInterval', 5000));
    this.timer.unref();
  }

  handleReport(instances: readonly AdapterInstance[]): void {
    const now = Date.now();
    for (const inst of instances) {
      if (inst.template === 'metric') {
        const value = valueNumber(inst.fields['value']);
        if (value === undefined) continue;
        const a = attrs(inst.fields['dimensions']);
        const key = `${inst.name}\u0000${JSON.stringify(a)}`;
        const s = this.sums.get(key);
        if (s) s.value += value;
        else this.sums.set(key, { metric: inst.name.split('.')[0]!, attributes: a, value, start: nanos(undefined, now) });
        this.dirty = true;
      } else if (inst.template === 'tracespan') {
        const f = inst.fields;
        const parent = typeof f['parentSpanId'] === 'string' && f['parentSpanId'] ? { parentSpanId: hexId(f['parentSpanId'], 8) } : {};
        this.spans.push({
          traceId: hexId(f['traceId'], 16),
          spanId: hexId(f['spanId'], 8),
          ...parent,
          name: valueText(f['spanName']) || inst.name,
          kind: f['clientSpan'] === true ? 3 : 2,
          startTimeUnixNano: nanos(f['startTime'], now),
          endTimeUnixNano: nanos(f['endTime'], now),
          attributes: attrs(f['spanTags']),
        });
        if (this.spans.length > 10_000) this.spans.splice(0, this.spans.length - 10_000);
      }
    }
  }

  /** Sends what is pending (also called by close()). */
  async flush(): Promise<void> {
    const spans = this.spans;
    this.spans = [];
    const now = nanos(undefined, Date.now());
    if (spans.length > 0) await this.post('/v1/traces', { resourceSpans: [{ resource: this.resource, scopeSpans: [{ scope: { name: 'mesh-mixer' }, spans }] }] });
    if (this.dirty) {
      this.dirty = false;
      const byMetric = new Map<string, object[]>();
      for (const s of this.sums.values()) {
        byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), { attributes: s.attributes, startTimeUnixNano: s.start, timeUnixNano: now, asDouble: s.value }]);
      }
      const metrics = [...byMetric].map(([name, dataPoints]) => ({ name, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } }));
      await this.post('/v1/metrics', { resourceMetrics: [{ resource: this.resource, scopeMetrics: [{ scope: { name: 'mesh-mixer' }, metrics }] }] });
    }
  }

  private async post(path: string, body: object): Promise<void> {
    try {
      const res = await fetch(`${this.endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.env.logger.warn({ err: (err as Error).message, endpoint: `${this.endpoint}${path}` }, 'OTLP export failed');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** The built-in opentelemetry adapter. */
export const opentelemetryAdapter: MixerAdapter = {
  apiVersion: 'mesh.mixer.adapter/v1',
  name: 'opentelemetry',
  templates: ['metric', 'tracespan'],
  createHandler(params, env) {
    return new OtelHandler(params, env);
  },
};
