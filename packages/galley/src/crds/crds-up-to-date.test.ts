import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KINDS } from '@mesh/shared-api';
import { crdDrift, CRD_DIR } from './crd-directory.js';
import { GEN_CRDS_COMMAND, generateCrdFiles } from './generate-crds.js';
import type { CrdSchema } from './structural-schema.js';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const KUBECTL = '/usr/bin/kubectl';

/** Keywords Kubernetes accepts in a CRD schema (JSONSchemaProps), less those the generator must never emit. */
const ALLOWED = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'multipleOf', 'maxProperties', 'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties']);
const IN_JUNCTOR_FORBIDDEN = ['type', 'description', 'default', 'additionalProperties', 'nullable', 'items'];

/** The structural-schema rules of https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema */
function structuralProblems(node: CrdSchema, at: string, junctor = false): string[] {
  const out: string[] = [];
  for (const k of Object.keys(node)) if (!ALLOWED.has(k) && !k.startsWith('x-kubernetes-')) out.push(`${at}: keyword ${k} is not allowed`);
  if (junctor) {
    for (const k of Object.keys(node)) if (IN_JUNCTOR_FORBIDDEN.includes(k) || k.startsWith('x-kubernetes-')) out.push(`${at}: ${k} inside a junctor`);
  } else {
    const open = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
    if (typeof node['type'] !== 'string' && !open) out.push(`${at}: no type`);
    if (node['properties'] && node['additionalProperties']) out.push(`${at}: properties and additionalProperties together`);
    if (node['type'] === 'array' && !node['items']) out.push(`${at}: array without items`);
  }
  for (const [k, v] of Object.entries((node['properties'] ?? {}) as Record<string, CrdSchema>)) out.push(...structuralProblems(v, `${at}.${k}`, junctor));
  for (const k of ['items', 'additionalProperties', 'not'] as const) {
    if (typeof node[k] === 'object' && node[k] !== null) out.push(...structuralProblems(node[k] as CrdSchema, `${at}.${k}`, junctor || k === 'not'));
  }
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) for (const [i, b] of ((node[k] ?? []) as CrdSchema[]).entries()) out.push(...structuralProblems(b, `${at}.${k}[${i}]`, true));
  return out;
}

describe('generated CRDs', () => {
  const files = generateCrdFiles();
  const crds = files
    .filter((f) => f.name !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as { metadata: { name: string }; spec: { names: { categories: string[] }; versions: { name: string; storage: boolean; schema: { openAPIV3Schema: CrdSchema } }[] } }));

  it(`are committed in ${CRD_DIR} exactly as the generator makes them`, async () => {
    const drift = await crdDrift(path.join(REPO, CRD_DIR), files);
    const stale = [...drift.changed, ...drift.missing.map((f) => `${f} (missing)`), ...drift.extra.map((f) => `${f} (no longer generated)`)];
    if (stale.length > 0) throw new Error(`${CRD_DIR} is out of date with shared-api's KINDS / SPEC_SCHEMAS (${stale.join(', ')}): run \`${GEN_CRDS_COMMAND}\` and commit the result`);
  });

  it('define every kind once, serving every version and storing the first', () => {
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(KINDS.map((k) => `${k.plural}.${k.group}`).sort());
    for (const kind of KINDS) {
      const crd = crds.find((c) => c.metadata.name === `${kind.plural}.${kind.group}`)!;
      expect(crd.spec.versions.map((v) => [v.name, v.storage])).toEqual(kind.versions.map((v, i) => [v, i === 0]));
      expect(crd.spec.names.categories).toContain('istio-io');
    }
  });

  it('have structural schemas Kubernetes accepts', () => {
    const problems = crds.flatMap((c) => c.spec.versions.flatMap((v) => structuralProblems(v.schema.openAPIV3Schema, `${c.metadata.name}/${v.name}`)));
    expect(problems).toEqual([]);
  });

  (existsSync(KUBECTL) ? it : it.skip)('render with the rest of the base through kubectl kustomize', () => {
    const out = execFileSync(KUBECTL, ['kustomize', path.join(REPO, 'deploy/kubernetes/base')], { timeout: 30_000 }).toString();
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } });
    const rendered = docs.filter((d) => d.kind === 'CustomResourceDefinition');
    expect(rendered).toHaveLength(KINDS.length);
    expect(rendered.every((d) => d.metadata.namespace === undefined)).toBe(true);
    expect(docs.some((d) => d.kind === 'Deployment')).toBe(true);
  });
});
