import type { SemanticValidator } from '../semantic.js';

/** Semantic rules of the networking kinds, by kind. */
export const NETWORKING_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {};
