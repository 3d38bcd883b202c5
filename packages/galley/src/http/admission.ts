import type { ConfigResource } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import type { GalleyMetrics } from '../metrics.js';
import { admitObject } from '../validation/admit-object.js';
import type { AdmissionOperation } from '../validation/admit-object.js';
import type { AdmissionWarningsHook } from '../validation/admission-warnings.js';
import { runAdmissionWarnings } from '../validation/admission-warnings.js';
import type { Target } from './resource-target.js';

/** What admission needs besides the object. */
export interface AdmissionDeps {
  readonly metrics: GalleyMetrics;
  readonly logger: Logger;
  readonly admissionWarnings?: AdmissionWarningsHook;
}

/**
 * Admits one object for a single-object write: the pure checks (path, metadata, schema, semantic
 * rules), then the warnings hook. Throws the BAD_REQUEST / INVALID_CONFIG error; returns the
 * object to store and its warnings.
 */
export async function admitForWrite(
  deps: AdmissionDeps,
  body: unknown,
  t: Target,
  op: AdmissionOperation,
  ctx: { dryRun: boolean; username: string },
): Promise<{ object: ConfigResource; warnings: string[] }> {
  const result = admitObject(body, { kind: t.kind, version: t.version, namespace: t.namespace, name: t.name }, op);
  if (!result.ok) {
    if (result.error.code === 'INVALID_CONFIG') deps.metrics.recordValidationFailure(t.kind.kind);
    throw result.error;
  }
  const extra = await runAdmissionWarnings(
    deps.admissionWarnings,
    result.value,
    { operation: op, kind: t.kind, dryRun: ctx.dryRun, username: ctx.username, batch: [result.value] },
    deps.logger,
  );
  return { object: result.value, warnings: [...result.warnings, ...extra] };
}
