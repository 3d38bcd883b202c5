import type { FieldViolation } from '../errors.js';
import type { KindInfo } from '../config/kinds.js';

/** What a semantic rule knows besides the spec. */
export interface SemanticContext {
  readonly kind: KindInfo;
  /** The version the object was submitted at (`v1alpha3`); some rules differ by version. */
  readonly version: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Semantic findings: errors reject the object; warnings are returned with it (admission warnings). */
export interface SemanticFindings {
  readonly errors: FieldViolation[];
  readonly warnings: string[];
}

/**
 * One kind's semantic rules (VALIDATION-RULES.md), run after its JSON Schema passed, so the spec
 * has the schema's shape. Field paths start with `spec.` (or `metadata.`).
 */
export type SemanticValidator = (spec: Record<string, unknown>, ctx: SemanticContext) => SemanticFindings;
