import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import type { ConfigResource, KindInfo, ObjectMeta } from '@mesh/shared-api';

/** The value written to KV: the object without its resourceVersion, with server-managed fields set. */
export function storedForm(obj: ConfigResource, server: Pick<ObjectMeta, 'uid' | 'creationTimestamp' | 'generation'>): ConfigResource {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...metadata, ...server }, spec: obj.spec };
}

/** Parses a stored value and sets its resourceVersion to the message's revision. */
export function decodeStored(data: Uint8Array, revision: number, where: string): ConfigResource {
  let obj: ConfigResource;
  try {
    obj = JSON.parse(Buffer.from(data).toString('utf8')) as ConfigResource;
  } catch {
    throw new Error(`value at ${where} is not JSON`);
  }
  if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object' || obj.metadata === null) {
    throw new Error(`value at ${where} is not a config object`);
  }
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** The name and (for namespaced kinds) namespace an object is stored under. */
export function identity(kind: KindInfo, obj: ConfigResource): { name: string; namespace: string | undefined } {
  const namespace = obj.metadata.namespace;
  if (kind.namespaced && !namespace) throw new Error(`config object ${obj.metadata.name} reached the store without a namespace`);
  return { name: obj.metadata.name, namespace: kind.namespaced ? namespace : undefined };
}

/** True when a compare-and-set lost: the subject's last sequence was not the expected one. */
export function isWrongLastSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

const TRANSPORT_FAILURES = [TimeoutError, ClosedConnectionError, DrainingConnectionError, ConnectionError, NoRespondersError, RequestError];

/** True for failures of NATS itself (timeouts, closed or reconnecting connection, no JetStream). */
export function isTransportFailure(err: unknown): boolean {
  // A JetStream API 503 means no JetStream server answered (e.g. during a NATS restart).
  return TRANSPORT_FAILURES.some((c) => err instanceof c) || (err instanceof JetStreamApiError && err.status === 503);
}

/** Kubernetes timestamps are RFC 3339 with whole seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
