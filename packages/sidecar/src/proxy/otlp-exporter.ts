import type { Logger } from '@mesh/runtime';
import type { FinishedSpan, SpanExporter } from './tracing.js';

/** Exporter settings. */
export interface OtlpExporterOptions {
  /** Collector base URL (`http://host:4318`) or the full traces URL (`.../v1/traces`). */
  readonly endpoint: string;
  readonly serviceName: string;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly flushIntervalMs?: number;
  readonly maxQueue?: number;
  readonly timeoutMs?: number;
  readonly onDropped?: (n: number) => void;
}

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number };

function value(v: string | number): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/**
 * Spans to an OpenTelemetry collector over OTLP/HTTP with the JSON encoding
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp): batched (by size or every interval), off the
 * request path, bounded (spans beyond the queue are dropped and counted), each POST with a timeout.
 * Written against the wire protocol because the OpenTelemetry SDK's trace packages are not installed.
 */
export class OtlpHttpExporter implements SpanExporter {
  private queue: FinishedSpan[] = [];
  private readonly url: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  exported = 0;
  failed = 0;

  constructor(private readonly opts: OtlpExporterOptions) {
    this.url = /\/v1\/traces\/?$/.test(opts.endpoint) ? opts.endpoint : `${opts.endpoint.replace(/\/$/, '')}/v1/traces`;
  }

  /** Queues a span (never blocks the request). */
  export(span: FinishedSpan): void {
    if (this.stopped) return;
    if (this.queue.length >= (this.opts.maxQueue ?? 4096)) {
      this.opts.onDropped?.(1);
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= (this.opts.batchSize ?? 256)) this.flushSoon(0);
    else this.flushSoon(this.opts.flushIntervalMs ?? 1000);
  }

  /** Sends whatever is queued and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.post(batch).finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  /** Flushes and stops taking spans. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, ms);
    this.timer.unref();
  }

  private async post(batch: FinishedSpan[]): Promise<void> {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: this.opts.serviceName } }] },
          scopeSpans: [
            {
              scope: { name: 'mesh-sidecar' },
              spans: batch.map((s) => ({
                traceId: s.traceId,
                spanId: s.spanId,
                ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                ...(s.tracestate ? { traceState: s.tracestate } : {}),
                name: s.name,
                kind: s.kind === 'server' ? 2 : 3,
                startTimeUnixNano: s.startUnixNano.toString(),
                endTimeUnixNano: s.endUnixNano.toString(),
                attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: value(v) })),
                status: { code: s.error ? 2 : 0 },
              })),
            },
          ],
        },
      ],
    };
    try {
      const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
      if (!res.ok) throw new Error(`collector answered ${res.status}`);
      await res.arrayBuffer();
      this.exported += batch.length;
    } catch (err) {
      this.failed += batch.length;
      this.opts.onDropped?.(batch.length);
      this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err), spans: batch.length, url: this.url }, 'span export failed');
    }
  }
}
