import type { JsonSchema } from '../common.js';
import { anyObject, exportTo, stringMap } from '../common.js';

const trafficPolicy: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    loadBalancer: anyObject,
    connectionPool: anyObject,
    outlierDetection: anyObject,
    tls: anyObject,
    portLevelSettings: { type: 'array', items: anyObject },
    tunnel: anyObject,
    proxyProtocol: anyObject,
  },
};

/** Schema of `DestinationRule.spec` (networking.istio.io, every served version). */
export const destinationRuleSpecSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', minLength: 1 },
    trafficPolicy,
    subsets: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, labels: stringMap, trafficPolicy },
      },
    },
    exportTo,
    workloadSelector: anyObject,
  },
};
