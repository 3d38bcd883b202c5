import { bool, duration, exportTo, int32, nonEmpty, percent, port, protoEnum, str, stringMap, strList, uint32 } from './common.js';

/** `StringMatch`: one of exact / prefix / regex (RE2). */
export const stringMatchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { exact: str, prefix: str, regex: str },
  maxProperties: 1,
} as const;

const stringMatchMap = { type: 'object', additionalProperties: stringMatchSchema } as const;

const headerOperations = {
  type: 'object',
  additionalProperties: false,
  properties: { set: stringMap, add: stringMap, remove: strList },
} as const;

/** `Headers`: request and response header operations. */
export const headersSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { request: headerOperations, response: headerOperations },
} as const;

/** `Destination`: a service host, an optional subset and port (`name` is 1.4's port selector by name). */
export const destinationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: nonEmpty,
    subset: str,
    port: { type: 'object', additionalProperties: false, properties: { number: port, name: str } },
  },
} as const;

/** `HTTPMatchRequest`. */
export const httpMatchRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: str,
    uri: stringMatchSchema,
    scheme: stringMatchSchema,
    method: stringMatchSchema,
    authority: stringMatchSchema,
    headers: stringMatchMap,
    port,
    sourceLabels: stringMap,
    gateways: strList,
    queryParams: stringMatchMap,
    ignoreUriCase: bool,
    withoutHeaders: stringMatchMap,
    sourceNamespace: str,
    statPrefix: str,
  },
} as const;

const weight = { type: 'integer', minimum: 0, maximum: 100 } as const;

/** `HTTPRouteDestination` (with 1.4's deprecated per-destination header fields). */
export const httpRouteDestinationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['destination'],
  properties: {
    destination: destinationSchema,
    weight,
    headers: headersSchema,
    appendRequestHeaders: stringMap,
    removeRequestHeaders: strList,
    appendResponseHeaders: stringMap,
    removeResponseHeaders: strList,
  },
} as const;

/** `RouteDestination` of TCP and TLS routes. */
const routeDestination = {
  type: 'object',
  additionalProperties: false,
  required: ['destination'],
  properties: { destination: destinationSchema, weight },
} as const;

const redirect = {
  type: 'object',
  additionalProperties: false,
  properties: {
    uri: str,
    authority: str,
    port,
    derivePort: protoEnum('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
    scheme: str,
    redirectCode: uint32,
    prefixRewrite: str,
  },
} as const;

const directResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: uint32,
    body: { type: 'object', additionalProperties: false, properties: { string: str, bytes: str } },
  },
} as const;

const rewrite = {
  type: 'object',
  additionalProperties: false,
  properties: {
    uri: str,
    authority: str,
    uriRegexRewrite: { type: 'object', additionalProperties: false, properties: { match: str, rewrite: str } },
  },
} as const;

const retries = {
  type: 'object',
  additionalProperties: false,
  properties: {
    attempts: int32,
    perTryTimeout: duration,
    retryOn: str,
    retryRemoteLocalities: bool,
    retryIgnorePreviousHosts: bool,
    backoff: duration,
  },
} as const;

const percentInt = { type: 'integer', minimum: 0, maximum: 100 } as const;

const fault = {
  type: 'object',
  additionalProperties: false,
  properties: {
    delay: {
      type: 'object',
      additionalProperties: false,
      properties: { percent: percentInt, fixedDelay: duration, exponentialDelay: duration, percentage: percent },
    },
    abort: {
      type: 'object',
      additionalProperties: false,
      properties: { percent: percentInt, httpStatus: int32, grpcStatus: str, http2Error: str, percentage: percent },
    },
  },
} as const;

const corsPolicy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowOrigin: strList,
    allowOrigins: { type: 'array', items: stringMatchSchema },
    allowMethods: strList,
    allowHeaders: strList,
    exposeHeaders: strList,
    maxAge: duration,
    allowCredentials: bool,
    unmatchedPreflights: protoEnum('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  },
} as const;

/** `HTTPRoute`, with 1.4's deprecated fields (websocketUpgrade, appendHeaders, mirror_percent …). */
export const httpRouteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: str,
    match: { type: 'array', items: httpMatchRequestSchema },
    route: { type: 'array', items: httpRouteDestinationSchema },
    redirect,
    directResponse,
    delegate: { type: 'object', additionalProperties: false, properties: { name: str, namespace: str } },
    rewrite,
    timeout: duration,
    retries,
    fault,
    mirror: destinationSchema,
    mirrors: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['destination'], properties: { destination: destinationSchema, percentage: percent } },
    },
    mirrorPercent: uint32,
    mirror_percent: uint32,
    mirrorPercentage: percent,
    corsPolicy,
    headers: headersSchema,
    websocketUpgrade: bool,
    appendHeaders: stringMap,
    appendRequestHeaders: stringMap,
    removeRequestHeaders: strList,
    appendResponseHeaders: stringMap,
    removeResponseHeaders: strList,
  },
} as const;

const l4Match = {
  type: 'object',
  additionalProperties: false,
  properties: {
    destinationSubnets: strList,
    port,
    sourceSubnet: str,
    sourceLabels: stringMap,
    gateways: strList,
    sourceNamespace: str,
  },
} as const;

const tlsMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sniHosts: strList,
    destinationSubnets: strList,
    port,
    sourceSubnet: str,
    sourceLabels: stringMap,
    gateways: strList,
    sourceNamespace: str,
  },
} as const;

/** `TCPRoute`. */
export const tcpRouteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { match: { type: 'array', items: l4Match }, route: { type: 'array', items: routeDestination } },
} as const;

/** `TLSRoute`. */
export const tlsRouteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { match: { type: 'array', items: tlsMatch }, route: { type: 'array', items: routeDestination } },
} as const;

/** Schema of `VirtualService.spec` (networking.istio.io, every served version). */
export const virtualServiceSpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hosts: { type: 'array', items: nonEmpty },
    gateways: { type: 'array', items: nonEmpty },
    http: { type: 'array', items: httpRouteSchema },
    tls: { type: 'array', items: tlsRouteSchema },
    tcp: { type: 'array', items: tcpRouteSchema },
    exportTo,
  },
} as const;
