import type { JsonSchema } from '../common.js';
import { mapOf, message, str } from '../security/message.js';

// Instance params are the template's InstanceParam message: every leaf is a Mixer expression string.
const proto = { protoNames: true } as const;
const expr: JsonSchema = str;
const exprMap: JsonSchema = mapOf(expr);

/** `metric` template params. */
export const metricParamsSchema: JsonSchema = message(
  { value: expr, dimensions: exprMap, monitoredResourceType: expr, monitoredResourceDimensions: exprMap },
  proto,
);

/** `logentry` template params. */
export const logentryParamsSchema: JsonSchema = message(
  { variables: exprMap, timestamp: expr, severity: expr, monitoredResourceType: expr, monitoredResourceDimensions: exprMap },
  proto,
);

/** `listentry` template params. */
export const listentryParamsSchema: JsonSchema = message({ value: expr }, proto);

/** `quota` template params. */
export const quotaParamsSchema: JsonSchema = message({ dimensions: exprMap }, proto);

/** `checknothing` / `reportnothing` template params: no fields. */
export const nothingParamsSchema: JsonSchema = message({}, proto);

/** `tracespan` template params. */
export const tracespanParamsSchema: JsonSchema = message(
  {
    traceId: expr,
    spanId: expr,
    parentSpanId: expr,
    spanName: expr,
    startTime: expr,
    endTime: expr,
    spanTags: exprMap,
    httpStatusCode: expr,
    clientSpan: expr,
    rewriteClientSpanId: expr,
    sourceName: expr,
    sourceIp: expr,
    destinationName: expr,
    destinationIp: expr,
    requestSize: expr,
    requestTotalSize: expr,
    responseSize: expr,
    responseTotalSize: expr,
    apiProtocol: expr,
  },
  proto,
);

/**
 * Params schemas of the compiled-in templates Mixer implements (by template name). Other Istio
 * 1.4 templates ({@link OTHER_TEMPLATES}) take any object.
 */
export const TEMPLATE_PARAMS: Readonly<Record<string, JsonSchema>> = {
  metric: metricParamsSchema,
  logentry: logentryParamsSchema,
  listentry: listentryParamsSchema,
  quota: quotaParamsSchema,
  checknothing: nothingParamsSchema,
  reportnothing: nothingParamsSchema,
  tracespan: tracespanParamsSchema,
};

/** Istio 1.4's other compiled-in templates (each also a legacy config.istio.io kind). */
export const OTHER_TEMPLATES = ['apikey', 'authorization', 'edge', 'kubernetes', 'servicecontrolreport'] as const;
