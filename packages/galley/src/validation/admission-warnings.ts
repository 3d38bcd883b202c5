import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';

/** What an admission-warnings hook knows about the write it is asked about. */
export interface AdmissionWarningContext {
  readonly operation: 'create' | 'update';
  readonly kind: KindInfo;
  readonly dryRun: boolean;
  /** Who asked for the write. */
  readonly username: string;
  /** Every object of the request: the object alone for a single write, the whole batch for an atomic apply. */
  readonly batch: readonly ConfigResource[];
}

/**
 * Extra admission warnings for an admitted object (cross-resource analysis). Warnings never block
 * a write; a hook that fails or is too slow yields one warning saying so, and the write proceeds.
 */
export type AdmissionWarningsHook = (obj: ConfigResource, context: AdmissionWarningContext) => Promise<string[]>;

/** How long a write waits for the hook before proceeding without its warnings. */
export const ADMISSION_WARNINGS_TIMEOUT_MS = 2000;

/** Runs the hook (if any) for one object, bounded in time; failures are logged and reported as a warning. */
export async function runAdmissionWarnings(
  hook: AdmissionWarningsHook | undefined,
  obj: ConfigResource,
  context: AdmissionWarningContext,
  logger: Logger,
): Promise<string[]> {
  if (!hook) return [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ADMISSION_WARNINGS_TIMEOUT_MS} ms`)), ADMISSION_WARNINGS_TIMEOUT_MS);
    });
    const out = await Promise.race([hook(obj, context), timeout]);
    return Array.isArray(out) ? out.filter((w): w is string => typeof w === 'string') : [];
  } catch (err) {
    logger.warn({ err, kind: context.kind.kind, name: obj.metadata.name, namespace: obj.metadata.namespace }, 'admission warnings hook failed');
    return ['cross-resource analysis could not run for this object; the Galley log has the details'];
  } finally {
    clearTimeout(timer);
  }
}
