import type { SemanticValidator } from '../semantic.js';

/** Semantic rules of the policy kinds, by kind. */
export const POLICY_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {};
