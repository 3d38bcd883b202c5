import { MeshError } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { applyJsonPatch } from '../patch/json-patch.js';
import { isJsonObject } from '../patch/json-value.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import type { ConfigStore } from '../store/config-store.js';
import type { AdmissionDeps } from './admission.js';
import { admitForWrite } from './admission.js';
import { APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './body-parsers.js';
import type { Target } from './resource-target.js';
import { served } from './resource-target.js';

/** How often a patch is re-applied to a fresh read when a concurrent write wins the compare-and-set. */
const PATCH_ATTEMPTS = 32;

const ACCEPTED = `accepted media types are ${MERGE_PATCH} (RFC 7386) and ${JSON_PATCH} (RFC 6902)`;

/** Why a patch media type is refused (415), or undefined when it is one Galley applies. */
export function unsupportedPatchType(mediaType: string): string | undefined {
  if (mediaType === MERGE_PATCH || mediaType === JSON_PATCH) return undefined;
  if (mediaType === STRATEGIC_MERGE_PATCH) {
    return `strategic merge patch is not supported for custom resources (as in Kubernetes, whose Istio kinds are CRDs); ${ACCEPTED}`;
  }
  if (mediaType === APPLY_PATCH) return `server-side apply is not supported by Galley; use client-side kubectl apply, or ${ACCEPTED}`;
  return `the body of the request was in an unknown format (${mediaType.slice(0, 80) || 'no Content-Type'}); ${ACCEPTED}`;
}

/**
 * PATCH of one object (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/):
 * the patch is applied to the object as served at the request's version, and the result is
 * admitted and stored like a PUT, with compare-and-set on the revision it was applied to. When
 * another write wins that race and the patch did not pin `metadata.resourceVersion` itself, the
 * patch is re-applied to the new revision (as the API server's GuaranteedUpdate does); a pinned
 * revision that is stale is a 409 Conflict.
 */
export async function patchObject(
  deps: AdmissionDeps & { store: ConfigStore },
  t: Target,
  mediaType: string,
  patch: unknown,
  ctx: { dryRun: boolean; username: string },
): Promise<{ object: ConfigResource; warnings: string[] }> {
  const refused = unsupportedPatchType(mediaType);
  if (refused) throw new MeshError('UNSUPPORTED_MEDIA_TYPE', refused);
  if (patch === undefined) throw new MeshError('BAD_REQUEST', 'the request has no body; send the patch');
  for (let attempt = 1; ; attempt++) {
    // The first attempt starts from this Galley's own last write of the object when it has one (no
    // read from NATS); it may be stale, so a conflict on it is always retried on a fresh read.
    const fromRecent = attempt === 1;
    const current = fromRecent ? await deps.store.recent(t.kind, t.namespace, t.name!) : await deps.store.get(t.kind, t.namespace, t.name!);
    if (!current) throw new MeshError('NOT_FOUND', `${t.kind.plural}.${t.kind.group} "${t.name!}" not found`);
    const base = served(current, t);
    let patched: unknown;
    if (mediaType === MERGE_PATCH) {
      if (!isJsonObject(patch)) throw new MeshError('BAD_REQUEST', 'a JSON merge patch of an object must itself be an object (RFC 7386)');
      patched = applyMergePatch(base, patch);
    } else {
      const r = applyJsonPatch(base, patch);
      // A patch that cannot apply is Invalid (422) as in Kubernetes; the cause lets kubectl print why.
      if (!r.ok) throw r.kind === 'malformed' ? new MeshError('BAD_REQUEST', r.message) : new MeshError('INVALID_CONFIG', r.message, [{ field: 'patch', message: r.message }]);
      patched = r.value;
    }
    if (!isJsonObject(patched)) throw new MeshError('INVALID_CONFIG', 'the patched document is not an object');
    const meta = patched['metadata'];
    const pinned = isJsonObject(meta) && meta['resourceVersion'] !== undefined && meta['resourceVersion'] !== current.metadata.resourceVersion;
    const admitted = await admitForWrite(deps, patched, t, 'update', ctx);
    try {
      return { object: await deps.store.replace(t.kind, admitted.object, { dryRun: ctx.dryRun, current }), warnings: admitted.warnings };
    } catch (err) {
      if (err instanceof MeshError && err.code === 'CONFLICT' && (fromRecent || (!pinned && attempt < PATCH_ATTEMPTS))) {
        // A short random pause spreads out writers that keep colliding on one object.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(attempt, 10)));
        continue;
      }
      throw err;
    }
  }
}
