import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../../schemas/common.js';
import { at, type Findings } from '../security/fields.js';
import { checkMixerExpression, describeExprProblem } from './expression-check.js';

// Adapter and template params are checked against a schema chosen by the handler's adapter or the
// instance's template, so they get their own ajv instance (same options as the spec validators).
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function pathOf(base: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce<string>((p, part) => at(p, /^\d+$/.test(part) ? Number(part) : part), base);
}

function report(e: ErrorObject, base: string, f: Findings): void {
  const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  switch (e.keyword) {
    case 'required':
      f.error(pathOf(base, e.instancePath, (e.params as { missingProperty: string }).missingProperty), 'required field is missing');
      return;
    case 'additionalProperties':
      f.error(pathOf(base, e.instancePath, (e.params as { additionalProperty: string }).additionalProperty), 'unknown field (check its spelling against the adapter or template)');
      return;
    case 'type': {
      const type = (e.params as { type: string }).type;
      f.error(pathOf(base, e.instancePath), `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`);
      return;
    }
    default:
      f.error(pathOf(base, e.instancePath), custom ?? e.message ?? e.keyword);
  }
}

/** Checks `value` against a params schema; violations are reported under `base` (`spec.params`). True when valid. */
export function checkAgainstSchema(value: unknown, schema: JsonSchema, base: string, f: Findings): boolean {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return true;
  for (const e of validate.errors ?? []) report(e, base, f);
  return false;
}

/** Checks one CEXL expression field; `boolean` requires a boolean result (rule `match`). */
export function checkExpression(src: string, path: string, f: Findings, boolean = false): void {
  const r = checkMixerExpression(src);
  if (!r.ok) {
    for (const p of r.problems) f.error(path, describeExprProblem(src, p));
  } else if (boolean && r.type !== 'BOOL' && r.type !== 'UNKNOWN') {
    f.error(path, `must be a boolean expression, but ${JSON.stringify(src)} is a ${r.type}`);
  }
}

/** Checks every string in a template's params as a CEXL expression (Mixer evaluates them all). */
export function checkExpressionLeaves(value: unknown, path: string, f: Findings): void {
  if (typeof value === 'string') checkExpression(value, path, f);
  else if (Array.isArray(value)) value.forEach((v, i) => checkExpressionLeaves(v, at(path, i), f));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) checkExpressionLeaves(v, at(path, k), f);
  }
}
