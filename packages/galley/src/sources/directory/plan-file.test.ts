import { planFile } from './plan-file.js';

const ORIGIN = { source: 'directory', file: 'mesh.yaml' } as const;
const vs = (name: string, ns = '') => `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}}
spec: {hosts: [${name}], http: [{route: [{destination: {host: ${name}}}]}]}
`;

describe('planFile', () => {
  it('admits every mesh document with its origin and skips other APIs', () => {
    const plan = planFile(`${vs('a')}---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n${vs('b', 'prod')}`, ORIGIN);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.objects.map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}`)).toEqual(['default/a', 'prod/b']);
    expect(plan.objects[0]!.object.metadata.annotations).toEqual({ 'galley.mesh.io/source': 'directory', 'galley.mesh.io/source-file': 'mesh.yaml' });
    expect(plan.skipped).toEqual([{ document: 2, apiVersion: 'v1', kind: 'Service' }]);
  });

  it('reports every problem of the file: invalid fields, an unknown Istio kind, an object defined twice', () => {
    const plan = planFile(`${vs('a')}---\n${vs('a')}---\napiVersion: networking.istio.io/v1alpha3\nkind: Mystery\nmetadata: {name: m}\nspec: {}\n---\n${vs('c').replace('[c], http', 'c, http')}`, ORIGIN);
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.problems.map((p) => [p.document, p.line])).toEqual([
      [2, 6],
      [3, 11],
      [4, 16],
    ]);
    expect(plan.problems[0]!.message).toContain('also defined by document 1');
    expect(plan.problems[1]!.fields?.[0]?.field).toBe('kind');
    expect(plan.problems[2]!.fields?.[0]).toEqual({ field: 'spec.hosts', message: 'must be an array' });
  });

  it('fails on YAML syntax errors', () => {
    expect(planFile('a: [1,\n', ORIGIN).ok).toBe(false);
  });
});
