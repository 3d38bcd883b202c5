import { MeshError } from '@mesh/shared-api';

/** A request's query string, one value per parameter (fastify keeps the last of repeated ones). */
export type Query = Record<string, string | string[] | undefined>;

function one(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A query parameter's single value. */
export function queryValue(query: Query, name: string): string | undefined {
  return one(query, name);
}

/**
 * `dryRun`: absent, or `All` (the only value Kubernetes defines); from the query or, on DELETE,
 * from `DeleteOptions.dryRun`.
 */
export function isDryRun(query: Query, bodyDryRun?: unknown): boolean {
  const raw = query['dryRun'];
  const values = [...(Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])];
  if (bodyDryRun !== undefined) {
    if (!Array.isArray(bodyDryRun) || !bodyDryRun.every((v) => typeof v === 'string')) throw new MeshError('BAD_REQUEST', 'DeleteOptions.dryRun must be a list of strings, such as ["All"]');
    values.push(...(bodyDryRun as string[]));
  }
  for (const v of values) {
    if (v !== 'All') throw new MeshError('BAD_REQUEST', `Unsupported value for dryRun: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

/**
 * `fieldValidation` (Strict, Warn, Ignore). Galley's schemas always reject unknown fields, so every
 * value validates strictly; the parameter is accepted because kubectl sends it.
 */
export function checkFieldValidation(query: Query): void {
  const v = one(query, 'fieldValidation');
  if (v !== undefined && !['Strict', 'Warn', 'Ignore', ''].includes(v)) {
    throw new MeshError('BAD_REQUEST', `Invalid fieldValidation value "${v}": supported values are "Ignore", "Warn" and "Strict"`);
  }
}

/** True for `watch=true` / `watch=1` (Kubernetes accepts the Go boolean spellings). */
export function isWatch(query: Query): boolean {
  const v = one(query, 'watch');
  if (v === undefined || v === '' || v === 'false' || v === '0' || v === 'False' || v === 'FALSE') return false;
  if (v === 'true' || v === '1' || v === 'True' || v === 'TRUE') return true;
  throw new MeshError('BAD_REQUEST', `watch must be true or false, not "${v}"`);
}

/** A non-negative integer parameter (`limit`, `timeoutSeconds`); undefined when absent. */
export function nonNegativeInt(query: Query, name: string): number | undefined {
  const v = one(query, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new MeshError('BAD_REQUEST', `${name} must be a non-negative integer, not "${v.slice(0, 40)}"`);
  return Number(v);
}

/** `resourceVersion` of a list or watch: absent/"0" (any/most recent), or a revision. */
export function listResourceVersion(query: Query): number | undefined {
  const v = one(query, 'resourceVersion');
  if (v === undefined || v === '' || v === '0') return undefined;
  if (!/^[1-9]\d{0,15}$/.test(v)) throw new MeshError('BAD_REQUEST', `resourceVersion must be a resourceVersion this server returned (a decimal number), not "${v.slice(0, 40)}"`);
  return Number(v);
}
