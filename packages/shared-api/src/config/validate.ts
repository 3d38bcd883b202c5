import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldViolation } from '../errors.js';
import { SPEC_SCHEMAS } from '../schemas/index.js';
import type { ValidationResult } from '../validation-result.js';
import { SEMANTIC_VALIDATORS } from '../validation/index.js';
import { kindByApiVersion, KINDS, splitApiVersion } from './kinds.js';
import type { ConfigResource } from './resource.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

let ajv: Ajv | undefined;
/** Compiled spec validators by kind, compiled on first use: a process that never validates (a sidecar) never pays for them. */
const validators = new Map<string, ValidateFunction | null>();

function specValidator(kind: string): ValidateFunction | undefined {
  let v = validators.get(kind);
  if (v === undefined) {
    const schema = SPEC_SCHEMAS[kind];
    if (schema && !ajv) {
      ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
      // `errorMessage` on a schema node replaces ajv's wording for that node (an annotation only).
      ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
    }
    v = schema ? ajv!.compile(schema) : null;
    validators.set(kind, v);
  }
  return v ?? undefined;
}

/**
 * Compiles every kind's spec validator now (about a second for all kinds): a service that
 * validates calls this at start-up so its first requests are not the ones that pay for it.
 */
export function precompileValidators(): void {
  for (const k of KINDS) specValidator(k.kind);
}

/** `/spec/http/0/route` → `spec.http[0].route`: the field path as a person writes it in YAML. */
export function fieldPath(prefix: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (extra !== undefined) parts.push(extra);
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}

function describe(e: ErrorObject): FieldViolation {
  const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  switch (e.keyword) {
    case 'required':
      return { field: fieldPath('spec', e.instancePath, (e.params as { missingProperty: string }).missingProperty), message: 'required field is missing' };
    case 'additionalProperties':
      return {
        field: fieldPath('spec', e.instancePath, (e.params as { additionalProperty: string }).additionalProperty),
        message: 'unknown field (check its spelling and the apiVersion)',
      };
    case 'maxProperties':
      return { field: fieldPath('spec', e.instancePath), message: 'set exactly one of exact, prefix or regex' };
    case 'type': {
      const expected = article((e.params as { type: string }).type);
      // `egress:` with nothing after it is YAML null: say so rather than just naming the type.
      return { field: fieldPath('spec', e.instancePath), message: e.data === null ? `is empty (null); it must be ${expected}` : `must be ${expected}` };
    }
    case 'enum':
      return { field: fieldPath('spec', e.instancePath), message: custom ?? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    default:
      return { field: fieldPath('spec', e.instancePath), message: custom ?? e.message ?? e.keyword };
  }
}

function article(type: string): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

/**
 * Validates one submitted object: a known apiVersion/kind, metadata that Kubernetes would accept,
 * and a spec that matches the kind's schema. Every violation is reported, each with its field path.
 */
export function validateResource(input: unknown, defaultNamespace = 'default'): ValidationResult<ConfigResource> {
  const errors: FieldViolation[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '(document)', message: 'must be an object with apiVersion, kind, metadata and spec' }] };
  }
  const obj = input as Record<string, unknown>;
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const kindName = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  if (!apiVersion) errors.push({ field: 'apiVersion', message: 'required field is missing' });
  if (!kindName) errors.push({ field: 'kind', message: 'required field is missing' });
  const kind = apiVersion && kindName ? kindByApiVersion(apiVersion, kindName) : undefined;
  if (apiVersion && kindName && !kind) {
    const served = KINDS.filter((k) => k.kind === kindName).map((k) => k.versions.map((v) => `${k.group}/${v}`).join(', '));
    errors.push({
      field: 'kind',
      message: served.length ? `${kindName} is not served at ${apiVersion}; use one of ${served.join(', ')}` : `unknown kind ${kindName} (${apiVersion})`,
    });
  }
  const meta = obj['metadata'];
  let name = '';
  let namespace = defaultNamespace;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    errors.push({ field: 'metadata', message: 'required field is missing' });
  } else {
    const m = meta as Record<string, unknown>;
    name = typeof m['name'] === 'string' ? m['name'] : '';
    if (!name) errors.push({ field: 'metadata.name', message: 'required field is missing' });
    else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
      errors.push({ field: 'metadata.name', message: `"${name}" must be a lowercase DNS-1123 subdomain (a-z, 0-9, '-', '.'), at most 253 characters` });
    }
    if (m['namespace'] !== undefined) {
      if (typeof m['namespace'] !== 'string' || !DNS1123_LABEL.test(m['namespace']) || m['namespace'].length > 63) {
        errors.push({ field: 'metadata.namespace', message: 'must be a lowercase DNS-1123 label (a-z, 0-9, \'-\'), at most 63 characters' });
      } else namespace = m['namespace'];
    }
    for (const f of ['labels', 'annotations'] as const) {
      const v = m[f];
      if (v !== undefined && (typeof v !== 'object' || v === null || Object.values(v).some((x) => typeof x !== 'string'))) {
        errors.push({ field: `metadata.${f}`, message: 'must be a map of string keys to string values' });
      }
    }
  }
  // A missing or null spec is an empty one, as Kubernetes and Istio 1.4 read it (`kind: checknothing`
  // with no spec is valid); the kind's rules then say what an empty spec lacks.
  const spec = obj['spec'] ?? {};
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    errors.push({ field: 'spec', message: 'must be an object' });
  } else if (kind) {
    const validate = specValidator(kind.kind);
    if (validate && !validate(spec)) errors.push(...(validate.errors ?? []).map(describe));
  }
  if (errors.length > 0 || !kind) return { ok: false, errors };
  const m = meta as ConfigResource['metadata'];
  // Semantic rules run only on a spec with the schema's shape, so they can trust its types.
  const semantic = SEMANTIC_VALIDATORS[kind.kind]?.(spec as Record<string, unknown>, {
    kind,
    version: splitApiVersion(apiVersion)[1],
    name,
    namespace,
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
  });
  if (semantic && semantic.errors.length > 0) return { ok: false, errors: semantic.errors };
  return {
    ok: true,
    value: { apiVersion, kind: kind.kind, metadata: { ...m, name, namespace }, spec: spec as Record<string, unknown> },
    warnings: semantic?.warnings ?? [],
  };
}
