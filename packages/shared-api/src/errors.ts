/**
 * Error-code catalog: one stable code per failure the mesh reports across a boundary, with the
 * HTTP status and gRPC status each transport maps it to. Messages are written for the person
 * who has to act on them.
 */
export const ErrorCodes = {
  INVALID_CONFIG: { http: 422, grpc: 3, reason: 'Invalid' },
  BAD_REQUEST: { http: 400, grpc: 3, reason: 'BadRequest' },
  NOT_FOUND: { http: 404, grpc: 5, reason: 'NotFound' },
  ALREADY_EXISTS: { http: 409, grpc: 6, reason: 'AlreadyExists' },
  CONFLICT: { http: 409, grpc: 10, reason: 'Conflict' },
  UNAUTHENTICATED: { http: 401, grpc: 16, reason: 'Unauthorized' },
  FORBIDDEN: { http: 403, grpc: 7, reason: 'Forbidden' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 3, reason: 'UnsupportedMediaType' },
  METHOD_NOT_ALLOWED: { http: 405, grpc: 12, reason: 'MethodNotAllowed' },
  UNAVAILABLE: { http: 503, grpc: 14, reason: 'ServiceUnavailable' },
  INTERNAL: { http: 500, grpc: 13, reason: 'InternalError' },
} as const;

/** A stable error code from {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes;

/** One problem with a field of submitted input: the path (`spec.http[0].route`) and the rule broken. */
export interface FieldViolation {
  field: string;
  message: string;
}

/** An error that crosses a process boundary: a stable code, a message, optional field details. */
export class MeshError extends Error {
  override readonly name = 'MeshError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly violations: readonly FieldViolation[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status this error maps to. */
  get httpStatus(): number {
    return ErrorCodes[this.code].http;
  }

  /** The gRPC status code this error maps to. */
  get grpcStatus(): number {
    return ErrorCodes[this.code].grpc;
  }
}
