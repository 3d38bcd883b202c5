import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runValidate } from './validate-command.js';

/** The Istio corpus beside the repository (`MESH_CONFORMANCE_DIR` overrides). */
const CORPUS = process.env['MESH_CONFORMANCE_DIR'] ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'conformance', 'istio');

function validate(files: string[], extra: { output?: string; stdin?: string; namespace?: string } = {}): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runValidate(
    { files, output: extra.output, namespace: extra.namespace },
    { out: (t) => void (out += t), err: (t) => void (err += t), stdin: () => extra.stdin ?? '' },
  );
  return { code, out, err };
}

describe('meshctl validate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-validate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    'validation-1.4-networking-v1alpha3-virtualservice-valid.yaml',
    'validation-1.4-networking-v1alpha3-destinationrule-valid.yaml',
    'validation-1.4-networking-v1alpha3-gateway-valid.yaml',
    'bookinfo-destination-rule-all.yaml',
  ])('accepts the valid corpus file %s', (file) => {
    const r = validate([path.join(CORPUS, file)]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/ is valid\n/);
    expect(r.out).toMatch(/^\d+ valid, 0 invalid, 0 skipped \(not Istio config\)$/m);
  });

  it.each<[string, RegExp[]]>([
    ['validation-1.4-networking-v1alpha3-destinationrule-invalid.yaml', [/DestinationRule default\/invalid-destination-rule is invalid:\n {2}spec\.host: /]],
    ['validation-1.4-networking-v1alpha3-serviceentry-invalid.yaml', [/ServiceEntry default\/\S+ is invalid:\n {2}spec\.hosts: /]],
    [
      'validation-crd-latest-destinationrule-invalid.yaml',
      [/\(document 1\): DestinationRule default\/bookinfo-ratings is invalid:\n {2}spec\.trafficPolicy\.loadBalancer\.warmup\.minimumPercent: /, /\(document 2\)[^\n]*is invalid:\n {2}spec\.trafficPolicy\.loadBalancer\.warmup\.duration: /],
    ],
  ])('refuses %s, naming each field and rule, with exit code 1', (file, expected) => {
    const r = validate([path.join(CORPUS, file)]);
    expect(r.code).toBe(1);
    for (const e of expected) expect(r.err).toMatch(e);
    expect(r.out).toMatch(/^0 valid, \d+ invalid, 0 skipped/m);
  });

  const invalidFiles = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).filter((f) => /^validation-(1\.4|crd-latest)-.*-invalid\.yaml$/.test(f)) : [];
  it.each(invalidFiles)('refuses the corpus file %s with exit code 1, naming a field for every refused document', (file) => {
    const r = validate([path.join(CORPUS, file)], { output: 'json' });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { invalid: number; documents: Array<{ result: string; errors: Array<{ field: string }> }> };
    expect(report.invalid).toBeGreaterThan(0);
    for (const d of report.documents.filter((x) => x.result === 'invalid')) expect(d.errors.every((e) => /^(spec|metadata|kind|apiVersion)\b/.test(e.field))).toBe(true);
  });

  it('reports as JSON for scripts', () => {
    const r = validate([path.join(CORPUS, 'validation-1.4-networking-v1alpha3-destinationrule-invalid.yaml')], { output: 'json' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      valid: 0,
      invalid: 1,
      skipped: 0,
      documents: [
        {
          source: expect.stringMatching(/destinationrule-invalid\.yaml$/),
          document: 1,
          kind: 'DestinationRule',
          namespace: 'default',
          name: 'invalid-destination-rule',
          result: 'invalid',
          errors: [{ field: 'spec.host', message: expect.any(String) }],
          warnings: [],
        },
      ],
    });
  });

  it('skips other kinds, reports broken YAML per document, and reads stdin', () => {
    fs.copyFileSync(path.join(CORPUS, 'analyzer-1.4-gateway-custom-ingressgateway.yaml'), path.join(dir, 'a.yaml'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: x}\n---\nkey: [unclosed\n');
    const r = validate([dir, '-'], { stdin: 'apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: from-stdin, namespace: team}\nspec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}\n' });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${path.join(dir, 'a.yaml')} (document 1): Gateway default/httpbin-gateway is valid\n`);
    expect(r.err).toContain(`${path.join(dir, 'a.yaml')} (document 2): Pod default/my-ingressgateway-1234 skipped: v1 is not Istio config\n`);
    expect(r.err).toMatch(/b\.yaml \(document 1\): Gateway default\/x is invalid:\n {2}spec\S*: /);
    expect(r.err).toMatch(/b\.yaml \(document 2\): document is invalid:\n {2}\(document\): not valid YAML: /);
    expect(r.out).toContain('- (document 1): VirtualService team/from-stdin is valid\n');
    expect(r.out).toContain('2 valid, 2 invalid, 2 skipped (not Istio config)\n');
  });

  it('needs at least one file', () => {
    expect(validate([]).code).toBe(2);
  });
});
