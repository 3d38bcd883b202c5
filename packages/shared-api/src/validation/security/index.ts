import type { SemanticValidator } from '../semantic.js';

/** Semantic rules of the security kinds, by kind. */
export const SECURITY_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {};
