import { ErrorCodes, KINDS } from '@mesh/shared-api';
import type { ConfigResource, KindInfo } from '@mesh/shared-api';
import { admitFromSource } from '../sources/submitted-object.js';

/** Galley's two validating webhooks, as in Istio 1.4: Pilot's config kinds and Mixer's. */
export type WebhookEndpoint = 'pilot' | 'mixer';

/** The HTTPS path of each endpoint. */
export const WEBHOOK_PATHS: Readonly<Record<WebhookEndpoint, string>> = { pilot: '/admitpilot', mixer: '/admitmixer' };

/** The API groups each endpoint validates. */
export const WEBHOOK_GROUPS: Readonly<Record<WebhookEndpoint, readonly string[]>> = {
  pilot: ['networking.istio.io', 'security.istio.io', 'authentication.istio.io', 'rbac.istio.io'],
  mixer: ['config.istio.io'],
};

/** `AdmissionResponse` (admission.k8s.io/v1): https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string; details?: { causes: { field: string; message: string; reason: string }[] } };
  warnings?: string[];
}

/** The answer to a review, or why the body is not one (HTTP 400). */
export type ReviewOutcome =
  | { ok: true; review: { apiVersion: string; kind: 'AdmissionReview'; response: AdmissionResponse }; subject: ReviewSubject; admitted?: AdmittedObject }
  | { ok: false; message: string };

/** An object a review allowed on CREATE or UPDATE, for cross-resource warnings. */
export interface AdmittedObject {
  readonly kind: KindInfo;
  readonly object: ConfigResource;
  readonly operation: 'create' | 'update';
  readonly dryRun: boolean;
}

/** What a review was about, for logs and metrics. */
export interface ReviewSubject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly operation: string;
  readonly user?: string;
}

const REVIEW_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];
const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/**
 * Answers one AdmissionReview with no I/O: the object is admitted through the same validation as
 * the API (`admitObject`), so the webhook, the API and the sources accept exactly the same config.
 * DELETE and CONNECT are always allowed; a kind the endpoint does not validate is denied with a
 * message naming the right endpoint; the response carries the request's uid and apiVersion.
 */
export function reviewAdmission(body: unknown, endpoint: WebhookEndpoint): ReviewOutcome {
  if (!isRecord(body) || body['kind'] !== 'AdmissionReview' || !REVIEW_VERSIONS.includes(String(body['apiVersion']))) {
    return { ok: false, message: `the body must be an AdmissionReview (apiVersion ${REVIEW_VERSIONS.join(' or ')})` };
  }
  const req = body['request'];
  if (!isRecord(req)) return { ok: false, message: 'the AdmissionReview has no request' };
  const uid = req['uid'];
  const gvk = req['kind'];
  const operation = req['operation'];
  if (typeof uid !== 'string' || uid === '') return { ok: false, message: 'request.uid must be a non-empty string' };
  if (!isRecord(gvk) || typeof gvk['group'] !== 'string' || typeof gvk['version'] !== 'string' || typeof gvk['kind'] !== 'string') {
    return { ok: false, message: 'request.kind must have group, version and kind' };
  }
  if (typeof operation !== 'string' || !OPERATIONS.includes(operation)) return { ok: false, message: `request.operation must be one of ${OPERATIONS.join(', ')}` };
  const group = gvk['group'];
  const version = gvk['version'];
  const kindName = gvk['kind'];
  const userInfo = req['userInfo'];
  const subject: ReviewSubject = {
    kind: kindName,
    operation,
    namespace: typeof req['namespace'] === 'string' ? req['namespace'] : undefined,
    name: typeof req['name'] === 'string' ? req['name'] : undefined,
    user: isRecord(userInfo) && typeof userInfo['username'] === 'string' ? userInfo['username'] : undefined,
  };
  const answer = (response: Omit<AdmissionResponse, 'uid'>, admitted?: AdmittedObject): ReviewOutcome => ({
    ok: true,
    review: { apiVersion: String(body['apiVersion']), kind: 'AdmissionReview', response: { uid, ...response } },
    subject,
    ...(admitted ? { admitted } : {}),
  });

  if (operation === 'DELETE' || operation === 'CONNECT') return answer({ allowed: true });
  if (!WEBHOOK_GROUPS[endpoint].includes(group)) {
    const right = (Object.keys(WEBHOOK_GROUPS) as WebhookEndpoint[]).find((e) => WEBHOOK_GROUPS[e].includes(group));
    const hint = right ? `; send it to ${WEBHOOK_PATHS[right]}` : '';
    return answer(denied(400, 'BadRequest', `${kindName}.${group || 'core'} is not validated by ${WEBHOOK_PATHS[endpoint]}, which validates ${WEBHOOK_GROUPS[endpoint].join(', ')}${hint}`));
  }
  const kind = KINDS.find((k) => k.group === group && k.kind === kindName);
  if (!kind || !kind.versions.includes(version)) {
    return answer(denied(400, 'BadRequest', `unrecognized type ${kindName} (${group}/${version}): this Galley does not validate it`));
  }
  const object = req['object'];
  if (!isRecord(object)) return { ok: false, message: `request.object is required for ${operation}` };
  const result = admitFromSource(object, { defaultNamespace: subject.namespace ?? 'default' });
  if (!result.ok) {
    const { error } = result;
    const status: NonNullable<AdmissionResponse['status']> = { code: error.httpStatus, reason: ErrorCodes[error.code].reason, message: error.message };
    if (error.violations.length > 0) status.details = { causes: error.violations.map((v) => ({ field: v.field, message: v.message, reason: 'FieldValueInvalid' })) };
    return answer({ allowed: false, status });
  }
  if (result.kind !== kind) return answer(denied(400, 'BadRequest', `the object is a ${result.kind.kind}, but the review is for ${kindName}`));
  const admitted: AdmittedObject = { kind, object: result.object, operation: operation === 'CREATE' ? 'create' : 'update', dryRun: req['dryRun'] === true };
  return answer(result.warnings.length > 0 ? { allowed: true, warnings: result.warnings } : { allowed: true }, admitted);
}

function denied(code: number, reason: string, message: string): Omit<AdmissionResponse, 'uid'> {
  return { allowed: false, status: { code, reason, message } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
