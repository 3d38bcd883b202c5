import type { JsonSchema } from '../common.js';
import { anyObject, duration, exportTo, portNumber, stringMap, stringMatch, uint32 } from '../common.js';

const headerOps: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { set: stringMap, add: stringMap, remove: { type: 'array', items: { type: 'string' } } },
};

const headers: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { request: headerOps, response: headerOps },
};

const destination: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', minLength: 1 },
    subset: { type: 'string' },
    port: { type: 'object', additionalProperties: false, properties: { number: portNumber } },
  },
};

const httpMatch: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    uri: stringMatch,
    scheme: stringMatch,
    method: stringMatch,
    authority: stringMatch,
    headers: { type: 'object', additionalProperties: stringMatch },
    withoutHeaders: { type: 'object', additionalProperties: stringMatch },
    queryParams: { type: 'object', additionalProperties: stringMatch },
    port: portNumber,
    sourceLabels: stringMap,
    sourceNamespace: { type: 'string' },
    gateways: { type: 'array', items: { type: 'string' } },
    ignoreUriCase: { type: 'boolean' },
    statPrefix: { type: 'string' },
  },
};

const httpRoute: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    match: { type: 'array', items: httpMatch },
    route: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['destination'],
        properties: {
          destination,
          weight: { type: 'integer', minimum: 0, maximum: 100 },
          headers,
          // 1.4's deprecated header fields.
          appendRequestHeaders: stringMap,
          removeRequestHeaders: { type: 'array', items: { type: 'string' } },
          appendResponseHeaders: stringMap,
          removeResponseHeaders: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    redirect: anyObject,
    directResponse: anyObject,
    delegate: anyObject,
    rewrite: anyObject,
    timeout: duration,
    retries: anyObject,
    fault: anyObject,
    mirror: destination,
    mirrors: { type: 'array', items: anyObject },
    mirrorPercent: uint32,
    mirror_percent: uint32,
    mirrorPercentage: { type: 'object', properties: { value: { type: 'number', minimum: 0, maximum: 100 } } },
    corsPolicy: anyObject,
    headers,
    websocketUpgrade: { type: 'boolean' },
    appendHeaders: stringMap,
    appendRequestHeaders: stringMap,
    removeRequestHeaders: { type: 'array', items: { type: 'string' } },
    appendResponseHeaders: stringMap,
    removeResponseHeaders: { type: 'array', items: { type: 'string' } },
  },
};

/** Schema of `VirtualService.spec` (networking.istio.io, every served version). */
export const virtualServiceSpecSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hosts: { type: 'array', items: { type: 'string', minLength: 1 } },
    gateways: { type: 'array', items: { type: 'string', minLength: 1 } },
    http: { type: 'array', items: httpRoute },
    tcp: { type: 'array', items: anyObject },
    tls: { type: 'array', items: anyObject },
    exportTo,
  },
};
