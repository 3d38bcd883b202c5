import { injectPod } from './inject-pod.js';
import { injectionDecision } from './injection-policy.js';
import type { PodTemplate } from './kube-types.js';
import type { InjectionSettings } from './settings.js';

/** One RFC 6902 JSON Patch operation. */
export interface JsonPatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** The AdmissionResponse of the mutating webhook (admission.k8s.io/v1). */
export interface InjectResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** Base64 of the JSON Patch. */
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

/** The answer to a review (and what happened, for logs and metrics), or why the body is not one (HTTP 400). */
export type InjectReviewOutcome =
  | { ok: true; review: { apiVersion: string; kind: 'AdmissionReview'; response: InjectResponse }; result: 'injected' | 'skipped' | 'denied'; reason?: string; pod: { namespace?: string; name?: string } }
  | { ok: false; message: string };

const REVIEW_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON Patch from `before` to `after` for the fields injection changes: whole `spec` and
 * `metadata` members that differ are added or replaced (never removed: injection only adds).
 */
export function podPatch(before: PodTemplate, after: PodTemplate): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  if (!before.metadata && after.metadata) ops.push({ op: 'add', path: '/metadata', value: after.metadata });
  for (const section of ['metadata', 'spec'] as const) {
    const b = (before[section] ?? {}) as Record<string, unknown>;
    const a = (after[section] ?? {}) as Record<string, unknown>;
    if (section === 'metadata' && !before.metadata) continue;
    for (const key of Object.keys(a)) {
      if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
      ops.push({ op: key in b ? 'replace' : 'add', path: `/${section}/${escape(key)}`, value: a[key] });
    }
  }
  return ops;
}

/**
 * Answers one AdmissionReview for a Pod CREATE with no I/O: the pod gets a JSON Patch adding the
 * mesh (same decision and same pod as `meshctl kube-inject`), or none, with the reason as a
 * warning-free allowed answer. The webhook's namespaceSelector sends only pods of namespaces
 * labelled `istio-injection=enabled`, so the namespace counts as enabled here. A pod whose
 * annotations make injection impossible is denied with a message naming the annotation.
 */
export function reviewInjection(body: unknown, s: InjectionSettings): InjectReviewOutcome {
  if (!isRecord(body) || body['kind'] !== 'AdmissionReview' || !REVIEW_VERSIONS.includes(String(body['apiVersion']))) {
    return { ok: false, message: `the body must be an AdmissionReview (apiVersion ${REVIEW_VERSIONS.join(' or ')})` };
  }
  const req = body['request'];
  if (!isRecord(req)) return { ok: false, message: 'the AdmissionReview has no request' };
  const uid = req['uid'];
  if (typeof uid !== 'string' || uid === '') return { ok: false, message: 'request.uid must be a non-empty string' };
  const apiVersion = String(body['apiVersion']);
  const pod = { namespace: typeof req['namespace'] === 'string' ? req['namespace'] : undefined, name: typeof req['name'] === 'string' ? req['name'] : undefined };
  const answer = (response: Omit<InjectResponse, 'uid'>, result: 'injected' | 'skipped' | 'denied', reason?: string): InjectReviewOutcome => ({
    ok: true,
    review: { apiVersion, kind: 'AdmissionReview', response: { uid, ...response } },
    result,
    reason,
    pod,
  });
  const kind = req['kind'];
  const object = req['object'];
  if (!isRecord(kind) || kind['kind'] !== 'Pod' || (kind['group'] ?? '') !== '') return answer({ allowed: true }, 'skipped', `not a Pod (${isRecord(kind) ? String(kind['kind']) : '?'})`);
  if (req['operation'] !== 'CREATE') return answer({ allowed: true }, 'skipped', `operation ${String(req['operation'])}`);
  if (!isRecord(object) || !isRecord(object['spec']) || !Array.isArray(object['spec']['containers'])) {
    return { ok: false, message: 'request.object must be a Pod with spec.containers' };
  }
  const original = object as unknown as PodTemplate;
  const decision = injectionDecision(original, 'enabled');
  if (!decision.inject) return answer({ allowed: true }, 'skipped', decision.reason);
  const injected = injectPod(original, s);
  if (!injected.ok) return answer({ allowed: false, status: { code: 400, message: `sidecar injection: ${injected.message}` } }, 'denied', injected.message);
  const patch = Buffer.from(JSON.stringify(podPatch(original, injected.pod))).toString('base64');
  return answer({ allowed: true, patchType: 'JSONPatch', patch }, 'injected');
}

/** Applies a patch made by {@link podPatch} (add / replace of object members), for tests and tools. */
export function applyPodPatch<T extends object>(obj: T, ops: readonly JsonPatchOp[]): T {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let at: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      if (!isRecord(at[p])) throw new Error(`patch path ${op.path}: ${p} is not an object`);
      at = at[p] as Record<string, unknown>;
    }
    const last = parts.at(-1)!;
    if (op.op === 'replace' && !(last in at)) throw new Error(`patch path ${op.path}: nothing to replace`);
    if (op.op === 'add' && last in at) throw new Error(`patch path ${op.path}: add over an existing member`);
    at[last] = structuredClone(op.value);
  }
  return out as T;
}
