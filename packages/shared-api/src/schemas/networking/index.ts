import type { JsonSchema } from '../common.js';
import { destinationRuleSpecSchema } from './destination-rule.js';
import { virtualServiceSpecSchema } from './virtual-service.js';

/** `spec` schemas of the networking.istio.io kinds, by kind. */
export const NETWORKING_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  VirtualService: virtualServiceSpecSchema,
  DestinationRule: destinationRuleSpecSchema,
};
