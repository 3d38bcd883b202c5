import fs from 'node:fs';
import path from 'node:path';
import type { LocalMesh } from '@mesh/local-mesh';
import { EXIT_ANALYZER_FOUND_ISSUES, GalleyClient, runCli } from '@mesh/meshctl';
import { startMesh } from './helpers.js';

const SAMPLES = path.join(__dirname, '..', 'samples', 'demo');
/** The Istio corpus beside the repository (`MESH_CONFORMANCE_DIR` overrides). */
const CORPUS = process.env['MESH_CONFORMANCE_DIR'] ?? path.resolve(__dirname, '..', '..', 'shared', 'conformance', 'istio');

const CHECKOUT = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: checkout
  namespace: default
spec:
  hosts: [checkout]
  http:
  - route:
    - destination: { host: shipping-service, subset: v3 }
      weight: 50
    - destination: { host: payments-service }
      weight: 50
`;
const V3_SUBSET = `apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: shipping-service
  namespace: default
spec:
  host: shipping-service
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`;

/**
 * `meshctl validate` and `meshctl analyze` against a whole local mesh: Pilot publishes the
 * workloads its sidecars registered to NATS, Galley analyses config against them, and warns on apply.
 */
describe('meshctl validate and analyze against a running mesh', () => {
  let mesh: LocalMesh;
  let runDir: string;
  let galleyUrl: string;

  const meshctl = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await runCli([...args, '--galley', galleyUrl], {}, { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  };
  const file = (name: string, text: string): string => {
    const p = path.join(runDir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    ({ mesh, runDir } = await startMesh());
    galleyUrl = mesh.galleyUrl;
    // Pilot publishes the registry a debounce after the sidecars register; wait until Galley holds it.
    const galley = new GalleyClient(galleyUrl);
    const deadline = Date.now() + 20000;
    for (;;) {
      const report = (await galley.analyze('default')) as { inventory?: { available: boolean; workloads: number } };
      if (report.inventory?.available && report.inventory.workloads >= mesh.plan.workloads.length) break;
      if (Date.now() > deadline) throw new Error(`Galley never saw Pilot's registry: ${JSON.stringify(report.inventory)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120000);

  afterAll(async () => {
    await mesh?.stop();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('validates the demo config offline', async () => {
    const r = await meshctl('validate', '-f', SAMPLES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^3 valid, 0 invalid, 0 skipped/m);
  });

  it('applies the demo canary without warnings: both subsets have workloads', async () => {
    const r = await meshctl('apply', '-f', path.join(SAMPLES, 'shipping-destination-rule.yaml'), '-f', path.join(SAMPLES, 'shipping-canary-90-10.yaml'));
    expect(r).toMatchObject({ code: 0, err: '' });
    const analyzed = await meshctl('analyze');
    expect(analyzed).toEqual({ code: 0, out: 'No validation issues found when analyzing namespace default.\n', err: '' });
  });

  it('warns on apply about a subset no DestinationRule defines and a host no service has, and analyze reports them', async () => {
    const applied = await meshctl('apply', '-f', file('checkout.yaml', CHECKOUT));
    expect(applied.code).toBe(0);
    expect(applied.out).toBe('virtualservice.networking.istio.io/checkout created\n');
    expect(applied.err).toContain('Warning: IST0101 [Error] VirtualService default/checkout spec.http[0].route[0].destination.subset: Referenced host+subset in destinationrule not found: "shipping-service+v3"');
    expect(applied.err).toContain('Warning: IST0101 [Error] VirtualService default/checkout spec.http[0].route[1].destination.host: Referenced host not found: "payments-service"');

    const table = await meshctl('analyze');
    expect(table.code).toBe(EXIT_ANALYZER_FOUND_ISSUES);
    const rows = table.out.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^CODE\s+LEVEL\s+RESOURCE\s+MESSAGE$/);
    expect(rows.slice(1).map((r) => r.split(/\s{2,}/).slice(0, 3))).toEqual([
      ['IST0101', 'Error', 'VirtualService default/checkout'],
      ['IST0101', 'Error', 'VirtualService default/checkout'],
    ]);
    const json = await meshctl('analyze', '-o', 'json');
    expect(JSON.parse(json.out).map((m: { field: string }) => m.field)).toEqual(['spec.http[0].route[0].destination.subset', 'spec.http[0].route[1].destination.host']);
  });

  it('analyses files as if applied, storing nothing: a subset with no running workload', async () => {
    const r = await meshctl('analyze', '-f', file('v3.yaml', V3_SUBSET), '-o', 'json');
    expect(r.code).toBe(EXIT_ANALYZER_FOUND_ISSUES);
    expect(JSON.parse(r.out).map((m: { code: string; resource: string; field: string }) => [m.code, m.resource, m.field])).toEqual([
      ['IST0127', 'DestinationRule default/shipping-service', 'spec.subsets[2].labels'],
      ['IST0101', 'VirtualService default/checkout', 'spec.http[0].route[1].destination.host'],
    ]);
    const stored = await meshctl('get', 'dr', 'shipping-service', '-o', 'json');
    expect(JSON.parse(stored.out).spec.subsets.map((s: { name: string }) => s.name)).toEqual(['v1', 'v2']);
  });

  it('analyses the Istio corpus across namespaces: VirtualServices whose hosts conflict for the mesh', async () => {
    const r = await meshctl('analyze', '-A', '-f', path.join(CORPUS, 'analyzer-1.4-virtualservice-conflictingmeshgatewayhosts.yaml'), '--failure-threshold', 'Error');
    expect(r.code).toBe(EXIT_ANALYZER_FOUND_ISSUES);
    const conflicts = r.out.split('\n').filter((l) => l.startsWith('IST0109'));
    expect(conflicts.map((l) => l.split(/\s{2,}/)[2])).toEqual([
      'VirtualService bar/ratings',
      'VirtualService bar/ratings',
      'VirtualService foo/bogus-productpage',
      'VirtualService foo/productpage',
      'VirtualService foo/ratings',
      'VirtualService team2/ratings',
      'VirtualService team3/ratings',
      'VirtualService team4/ratings',
    ]);
  });
});
