import type { Headers, HttpRoute, HttpRouteDestination } from '../../model/networking-specs.js';
import type { XdsResource } from '../resources.js';

/** Route or weighted-cluster header operations in Envoy's field names. */
export interface HeaderOps {
  request_headers_to_add: XdsResource[];
  request_headers_to_remove: string[];
  response_headers_to_add: XdsResource[];
  response_headers_to_remove: string[];
}

/** Istio 1.4's `translateAppendHeaders`: HeaderValueOptions sorted by name; `append` false for `set`, true for `add`. */
function headerOptions(headers: Record<string, string> | undefined, append: boolean): XdsResource[] {
  return Object.entries(headers ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ header: { key, value }, append: { value: append } }));
}

/**
 * Header operations of a route or a destination: `headers.request/response` `set` then `add`, then
 * the deprecated `append*Headers` and `remove*Headers` fields 1.4 still honoured.
 */
export function headerOps(h: Headers | undefined, legacy: Pick<HttpRoute & HttpRouteDestination, 'appendRequestHeaders' | 'appendResponseHeaders' | 'removeRequestHeaders' | 'removeResponseHeaders'> & { appendHeaders?: Record<string, string> }): HeaderOps {
  return {
    request_headers_to_add: [
      ...headerOptions(h?.request?.set, false),
      ...headerOptions(h?.request?.add, true),
      ...headerOptions(legacy.appendRequestHeaders, true),
      ...headerOptions(legacy.appendHeaders, true),
    ],
    request_headers_to_remove: [...(h?.request?.remove ?? []), ...(legacy.removeRequestHeaders ?? [])],
    response_headers_to_add: [...headerOptions(h?.response?.set, false), ...headerOptions(h?.response?.add, true), ...headerOptions(legacy.appendResponseHeaders, true)],
    response_headers_to_remove: [...(h?.response?.remove ?? []), ...(legacy.removeResponseHeaders ?? [])],
  };
}

/** Concatenates two sets of header operations. */
export function mergeHeaderOps(a: HeaderOps, b: HeaderOps): HeaderOps {
  return {
    request_headers_to_add: [...a.request_headers_to_add, ...b.request_headers_to_add],
    request_headers_to_remove: [...a.request_headers_to_remove, ...b.request_headers_to_remove],
    response_headers_to_add: [...a.response_headers_to_add, ...b.response_headers_to_add],
    response_headers_to_remove: [...a.response_headers_to_remove, ...b.response_headers_to_remove],
  };
}

/** Sets the non-empty operations on `target` (proto3 leaves empty repeated fields out anyway). */
export function applyHeaderOps(target: XdsResource, ops: HeaderOps): void {
  for (const [k, v] of Object.entries(ops)) if ((v as unknown[]).length > 0) target[k] = v;
}
