import type { JsonSchema } from './common.js';
import { NETWORKING_SCHEMAS } from './networking/index.js';
import { POLICY_SCHEMAS } from './policy/index.js';
import { SECURITY_SCHEMAS } from './security/index.js';

/** The JSON Schema of each kind's `spec`, keyed by kind; the single source for validators and CRDs. */
export const SPEC_SCHEMAS: Readonly<Record<string, JsonSchema>> = Object.freeze({ ...NETWORKING_SCHEMAS, ...SECURITY_SCHEMAS, ...POLICY_SCHEMAS });
