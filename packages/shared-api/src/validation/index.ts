import { NETWORKING_VALIDATORS } from './networking/index.js';
import { POLICY_VALIDATORS } from './policy/index.js';
import { SECURITY_VALIDATORS } from './security/index.js';
import type { SemanticValidator } from './semantic.js';

/** Every kind's semantic rules, keyed by kind. */
export const SEMANTIC_VALIDATORS: Readonly<Record<string, SemanticValidator>> = Object.freeze({ ...NETWORKING_VALIDATORS, ...SECURITY_VALIDATORS, ...POLICY_VALIDATORS });
