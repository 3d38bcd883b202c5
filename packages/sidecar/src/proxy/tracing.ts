import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RandomSource } from '../routing/load-balancing.js';
import type { RequestInfo } from './observer.js';

/** One proxy hop's span: its trace, its own id, its parent (the caller's span) and the sampling decision. */
export interface HopSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly sampled: boolean;
  readonly tracestate?: string;
}

/** A finished span, as exporters take it. */
export interface FinishedSpan extends HopSpan {
  readonly name: string;
  readonly kind: 'server' | 'client';
  readonly startUnixNano: bigint;
  readonly endUnixNano: bigint;
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly error: boolean;
}

/** Where sampled spans go (an OTLP exporter, a test). */
export interface SpanExporter {
  export(span: FinishedSpan): void;
}

/** Random bytes drawn in blocks: one syscall per 256 span ids instead of one per request. */
const pool = { buf: Buffer.alloc(0), at: 0 };

function randomHex(bytes: number): string {
  if (pool.at + bytes > pool.buf.length) {
    pool.buf = randomBytes(4096);
    pool.at = 0;
  }
  const hex = pool.buf.toString('hex', pool.at, pool.at + bytes);
  pool.at += bytes;
  return hex;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_HEADERS = ['traceparent', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'b3'];

function one(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v.trim().toLowerCase() : undefined;
}

/**
 * The caller's trace context: W3C `traceparent` (https://www.w3.org/TR/trace-context/), else B3
 * single (`b3`) or multi (`x-b3-*`) headers (https://github.com/openzipkin/b3-propagation), as
 * Envoy's tracers read them. 64-bit B3 trace ids are widened to 128 bits.
 */
export function extractTraceContext(h: IncomingHttpHeaders): { traceId: string; spanId: string; sampled?: boolean; tracestate?: string } | undefined {
  const tp = one(h, 'traceparent');
  if (tp) {
    const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(tp);
    if (m && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!)) {
      const ts = h['tracestate'];
      return { traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1, ...(typeof ts === 'string' && ts ? { tracestate: ts } : {}) };
    }
  }
  const single = one(h, 'b3');
  if (single && single !== '0' && single !== '1' && single !== 'd') {
    const [t, s, flag] = single.split('-');
    if (t && s && HEX16.test(s) && (HEX32.test(t) || HEX16.test(t))) return { traceId: t.padStart(32, '0'), spanId: s, ...(flag === '1' || flag === 'd' ? { sampled: true } : flag === '0' ? { sampled: false } : {}) };
  }
  const t = one(h, 'x-b3-traceid');
  const s = one(h, 'x-b3-spanid');
  if (t && s && HEX16.test(s) && (HEX32.test(t) || HEX16.test(t))) {
    const flag = one(h, 'x-b3-sampled');
    const debug = one(h, 'x-b3-flags') === '1';
    return { traceId: t.padStart(32, '0'), spanId: s, ...(debug || flag === '1' || flag === 'true' ? { sampled: true } : flag === '0' || flag === 'false' ? { sampled: false } : {}) };
  }
  return undefined;
}

/**
 * A span per proxy hop (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/observability/tracing):
 * the hop joins the caller's trace (or starts one, sampled at the configured percentage, unless the
 * caller decided), sends its own span id upstream in both W3C and B3 headers, and exports the span
 * when sampled and an exporter is configured.
 */
export class Tracer {
  constructor(
    private readonly opts: { readonly samplingPercent: number; readonly random: RandomSource; readonly exporter?: SpanExporter; readonly nodeId: string },
  ) {}

  /** The hop's span for a request with these headers. */
  start(headers: IncomingHttpHeaders): HopSpan {
    const parent = extractTraceContext(headers);
    const sampled = parent?.sampled ?? this.opts.random() * 100 < this.opts.samplingPercent;
    const spanId = randomHex(8);
    if (!parent) return { traceId: randomHex(16), spanId, sampled };
    return { traceId: parent.traceId, spanId, parentSpanId: parent.spanId, sampled, ...(parent.tracestate ? { tracestate: parent.tracestate } : {}) };
  }

  /** Replaces the trace headers of an upstream request with this hop's context. */
  inject(headers: OutgoingHttpHeaders, span: HopSpan): void {
    for (const h of TRACE_HEADERS) delete headers[h];
    headers['traceparent'] = `00-${span.traceId}-${span.spanId}-${span.sampled ? '01' : '00'}`;
    if (span.tracestate) headers['tracestate'] = span.tracestate;
    headers['x-b3-traceid'] = span.traceId;
    headers['x-b3-spanid'] = span.spanId;
    if (span.parentSpanId) headers['x-b3-parentspanid'] = span.parentSpanId;
    headers['x-b3-sampled'] = span.sampled ? '1' : '0';
  }

  /** Exports the finished hop when sampled. */
  finish(span: HopSpan, info: RequestInfo, startNs: bigint): void {
    if (!span.sampled || !this.opts.exporter) return;
    const attributes: Record<string, string | number> = {
      'http.method': info.method,
      'http.url': `http://${info.host}${info.path}`,
      'http.status_code': info.status,
      'response_flags': info.responseFlags.length > 0 ? info.responseFlags.join(',') : '-',
      'upstream_cluster': info.cluster ?? '',
      'guid:x-request-id': info.requestId,
      'node_id': this.opts.nodeId,
      'component': 'proxy',
      'downstream_cluster': '-',
    };
    if (info.upstreamHost) attributes['upstream_address'] = info.upstreamHost;
    if (info.userAgent) attributes['user_agent'] = info.userAgent;
    this.opts.exporter.export({
      ...span,
      name: `${info.host}${info.path.split('?')[0]}`,
      kind: info.direction === 'inbound' ? 'server' : 'client',
      startUnixNano: startNs,
      endUnixNano: startNs + BigInt(Math.round(info.durationMs * 1e6)),
      attributes,
      error: info.status >= 500 || info.status === 0,
    });
  }
}
