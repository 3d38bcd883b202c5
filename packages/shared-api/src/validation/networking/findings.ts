import type { FieldViolation } from '../../errors.js';
import type { SemanticFindings } from '../semantic.js';

/** Collects a validator's errors and warnings, each tied to a field path. */
export class Findings {
  readonly errors: FieldViolation[] = [];
  readonly warnings: string[] = [];

  /** Records a rule violation: the object is rejected. */
  error(field: string, message: string | undefined): void {
    if (message !== undefined) this.errors.push({ field, message });
  }

  /** Records valid but suspicious config: returned as an admission warning. */
  warn(field: string, message: string): void {
    this.warnings.push(`${field}: ${message}`);
  }

  /** The findings, as a SemanticValidator returns them. */
  result(): SemanticFindings {
    return { errors: this.errors, warnings: this.warnings };
  }
}

/** `path` + map key, written as fieldPath writes it: `.key` for identifiers, `["x-y"]` otherwise. */
export function key(path: string, k: string): string {
  return /^[A-Za-z_][\w-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

/** A value as a short quoted string for messages. */
export function q(v: unknown): string {
  return JSON.stringify(v);
}
