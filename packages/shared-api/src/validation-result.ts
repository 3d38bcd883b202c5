import type { FieldViolation } from './errors.js';

/** The outcome of validating input: expected failures are values, not exceptions. */
export type ValidationResult<T> = { ok: true; value: T; warnings: string[] } | { ok: false; errors: FieldViolation[] };
