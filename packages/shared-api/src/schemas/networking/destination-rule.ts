import { exportTo, labelSelector, str, stringMap } from './common.js';
import { trafficPolicySchema } from './traffic-policy.js';

/** `Subset`: a named set of endpoints of the host, by label, with its own traffic policy. */
export const subsetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: str, labels: stringMap, trafficPolicy: trafficPolicySchema },
} as const;

/** Schema of `DestinationRule.spec` (networking.istio.io, every served version). */
export const destinationRuleSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', minLength: 1 },
    trafficPolicy: trafficPolicySchema,
    subsets: { type: 'array', items: subsetSchema },
    exportTo,
    workloadSelector: labelSelector,
  },
} as const;

