import { MeshError } from '@mesh/shared-api';
import type { KindInfo } from '@mesh/shared-api';

// Messages follow the Kubernetes API server's wording so kubectl users recognise them.

function resource(kind: KindInfo): string {
  return `${kind.plural}.${kind.group}`;
}

/** `virtualservices.networking.istio.io "x" not found`. */
export function notFound(kind: KindInfo, name: string): MeshError {
  return new MeshError('NOT_FOUND', `${resource(kind)} "${name}" not found`);
}

/** `virtualservices.networking.istio.io "x" already exists`. */
export function alreadyExists(kind: KindInfo, name: string): MeshError {
  return new MeshError('ALREADY_EXISTS', `${resource(kind)} "${name}" already exists`);
}

/** A compare-and-set lost: the object changed since the caller read it. */
export function conflict(kind: KindInfo, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): MeshError {
  return new MeshError('CONFLICT', `Operation cannot be fulfilled on ${resource(kind)} "${name}": ${why}`);
}

/** NATS did not answer (timeout, closed or reconnecting connection): the client should retry. */
export function unavailable(cause: unknown): MeshError {
  return new MeshError('UNAVAILABLE', 'the config store (NATS JetStream) is unavailable; try again shortly', [], { cause });
}
