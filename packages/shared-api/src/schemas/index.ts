import type { JsonSchema } from './common.js';
import { destinationRuleSpecSchema } from './destination-rule.js';
import { virtualServiceSpecSchema } from './virtual-service.js';

/** The JSON Schema of each kind's `spec`, keyed by kind; the single source for validators and CRDs. */
export const SPEC_SCHEMAS: Readonly<Record<string, JsonSchema>> = Object.freeze({
  VirtualService: virtualServiceSpecSchema,
  DestinationRule: destinationRuleSpecSchema,
});
