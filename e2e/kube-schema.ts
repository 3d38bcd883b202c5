import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';

/**
 * Offline validation of Kubernetes objects against the API's OpenAPI schema, as far as
 * @kubernetes/client-node carries it: its models are generated from the Kubernetes OpenAPI spec
 * (v1.34), each with its fields, their types and formats (`attributeTypeMap`) and, in the
 * declarations, which fields are required. That is what `kubectl apply --validate=strict` checks
 * structurally: unknown fields, wrong types, missing required fields. It does not check enums,
 * patterns or cross-field rules (the API server's validation does).
 */
interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

type Model = { getAttributeTypeMap(): Attribute[] };

const models = k8s as unknown as Record<string, Model | undefined>;
const MODELS_DIR = path.join(path.dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
const requiredCache = new Map<string, Set<string>>();

/** Required fields of a model, read from its generated declaration (`'name': T;` vs `'name'?: T;`). */
function requiredOf(model: string): Set<string> {
  let req = requiredCache.get(model);
  if (!req) {
    req = new Set();
    const file = path.join(MODELS_DIR, `${model}.d.ts`);
    if (fs.existsSync(file)) for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\s+'([^']+)': /gm)) req.add(m[1]!);
    requiredCache.set(model, req);
  }
  return req;
}

/** The model class of an object: `apps/v1` Deployment → V1Deployment. */
export function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').at(-1)!;
  return `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
}

/** Quantities are int-or-string in the API although the models type them as strings. */
const QUANTITY_MAPS = new Set(['requests', 'limits', 'capacity', 'allocatable']);

function checkValue(value: unknown, type: string, format: string, at: string, field: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return void out.push(`${at}: must be an array`);
    value.forEach((v, i) => checkValue(v, array[1]!, format, `${at}[${i}]`, field, out));
  } else if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) return void out.push(`${at}: must be an object`);
    for (const [k, v] of Object.entries(value)) {
      if (map[1] === 'string' && QUANTITY_MAPS.has(field) && typeof v === 'number') continue;
      checkValue(v, map[1]!, format, `${at}.${k}`, k, out);
    }
  } else if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') out.push(`${at}: must be a string, got ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    if (typeof value !== 'number') out.push(`${at}: must be a number, got ${JSON.stringify(value)}`);
    else if ((format === 'int32' || format === 'int64') && !Number.isInteger(value)) out.push(`${at}: must be an integer`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') out.push(`${at}: must be a boolean, got ${JSON.stringify(value)}`);
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) out.push(`${at}: must be an integer or a string`);
  } else if (type === 'any' || type === 'object') {
    // free-form (RawExtension, JSON)
  } else if (models[type]) {
    checkModel(value, type, at, out);
  } else out.push(`${at}: unknown type ${type} in the models`);
}

function checkModel(value: unknown, model: string, at: string, out: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return void out.push(`${at}: must be an object (${model})`);
  const attrs = models[model]!.getAttributeTypeMap();
  const byName = new Map(attrs.map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const a = byName.get(k);
    if (!a) out.push(`${at}.${k}: unknown field (${model})`);
    else checkValue(v, a.type, a.format, `${at}.${k}`, k, out);
  }
  for (const r of requiredOf(model)) {
    const a = attrs.find((x) => x.name === r);
    if (a && (value as Record<string, unknown>)[a.baseName] === undefined) out.push(`${at}.${a.baseName}: required (${model})`);
  }
}

/** Every problem of one object (empty: valid), each as `<kind>/<name>.<path>: <what>`. */
export function validateKubeObject(obj: unknown): string[] {
  const o = obj as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
  const where = `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;
  if (typeof o?.apiVersion !== 'string' || typeof o.kind !== 'string') return [`${where}: apiVersion and kind are required`];
  const model = modelName(o.apiVersion, o.kind);
  if (!models[model]?.getAttributeTypeMap) return [`${where}: no schema for ${o.apiVersion} ${o.kind}`];
  const out: string[] = [];
  checkModel(obj, model, where, out);
  return out;
}
