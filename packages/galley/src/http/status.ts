import { ErrorCodes } from '@mesh/shared-api';
import type { ErrorCode, MeshError } from '@mesh/shared-api';

/** One field-level cause of a failure (`metav1.StatusCause`). */
export interface StatusCause {
  reason: string;
  field?: string;
  message: string;
}

/** `metav1.StatusDetails`: which object the failure is about. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

/** `metav1.Status`, the body of every Kubernetes API error. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** The object a request was about, as the resource-route layer knows it. */
export interface StatusSubject {
  name?: string;
  group: string;
  /** The resource (plural); Kubernetes names it in NotFound / AlreadyExists / Conflict details. */
  plural: string;
  /** The kind; Kubernetes names it in Invalid details. */
  kind: string;
}

/** A failure Status for a catalog code. */
export function failureStatus(code: ErrorCode, message: string, details?: StatusDetails): Status {
  const entry = ErrorCodes[code];
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: entry.reason, code: entry.http };
  if (details) status.details = details;
  return status;
}

/** Maps a MeshError to the Status Kubernetes would send, with one cause per field violation. */
export function statusFromError(err: MeshError, subject?: StatusSubject): Status {
  let details: StatusDetails | undefined;
  if (subject) {
    details = { group: subject.group, kind: err.code === 'INVALID_CONFIG' ? subject.kind : subject.plural };
    if (subject.name) details.name = subject.name;
  }
  if (err.violations.length > 0) {
    details ??= {};
    details.causes = err.violations.map((v) => ({ reason: 'FieldValueInvalid', field: v.field, message: v.message }));
  }
  return failureStatus(err.code, err.message, details);
}

/** Statuses for errors raised by the HTTP framework itself (body too large, bad media type …). */
const HTTP_REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  414: 'RequestURITooLong',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  503: 'ServiceUnavailable',
};

/** A failure Status for a framework-level 4xx that has no catalog code. */
export function httpFailureStatus(code: number, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: HTTP_REASONS[code] ?? 'BadRequest', code };
}
