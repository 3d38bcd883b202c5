import type { OutgoingHttpHeaders } from 'node:http';
import { extractTraceContext, Tracer } from './tracing.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace context', () => {
  it.each([
    [{ traceparent: `00-${TRACE}-${SPAN}-01` }, { traceId: TRACE, spanId: SPAN, sampled: true }],
    [{ traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'v=1' }, { traceId: TRACE, spanId: SPAN, sampled: false, tracestate: 'v=1' }],
    [{ b3: `${TRACE}-${SPAN}-1` }, { traceId: TRACE, spanId: SPAN, sampled: true }],
    [{ 'x-b3-traceid': 'a3ce929d0e0e4736', 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' }, { traceId: '0000000000000000a3ce929d0e0e4736', spanId: SPAN, sampled: false }],
    [{ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN }, { traceId: TRACE, spanId: SPAN }],
    [{ traceparent: 'garbage' }, undefined],
    [{ traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` }, undefined],
  ])('reads %j', (headers, expected) => {
    expect(extractTraceContext(headers)).toEqual(expected);
  });

  it('joins the caller’s trace as a child and writes W3C and B3 headers upstream', () => {
    const tracer = new Tracer({ samplingPercent: 0, random: () => 0.5, nodeId: 'n' });
    const span = tracer.start({ traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(span).toMatchObject({ traceId: TRACE, parentSpanId: SPAN, sampled: true });
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanId).not.toBe(SPAN);
    const headers: OutgoingHttpHeaders = { 'x-b3-flags': '1', b3: 'stale' };
    tracer.inject(headers, span);
    expect(headers).toEqual({ traceparent: `00-${TRACE}-${span.spanId}-01`, 'x-b3-traceid': TRACE, 'x-b3-spanid': span.spanId, 'x-b3-parentspanid': SPAN, 'x-b3-sampled': '1' });
  });

  it('starts a new trace sampled at the configured percentage', () => {
    expect(new Tracer({ samplingPercent: 1, random: () => 0.005, nodeId: 'n' }).start({})).toMatchObject({ sampled: true });
    expect(new Tracer({ samplingPercent: 1, random: () => 0.02, nodeId: 'n' }).start({})).toMatchObject({ sampled: false });
  });
});
