import fs from 'node:fs';
import { GalleyClient, readDocuments, runCli } from '@mesh/meshctl';
import type { LocalMesh } from '@mesh/local-mesh';
import { fetchSyncz, routeVersions, sendBookings, waitForRouteChange } from '@mesh/local-mesh';
import type { ConfigResource } from '@mesh/shared-api';
import path from 'node:path';
import { startMesh } from './helpers.js';

const SAMPLES = path.join(__dirname, '..', 'samples', 'demo');
const load = (file: string): ConfigResource => readDocuments([path.join(SAMPLES, file)])[0]!.doc;

/**
 * The spine, end to end with real processes: config in at Galley → NATS → Pilot → xDS → sidecars
 * → live traffic between the sample app's services.
 */
describe('canary routing through the whole mesh', () => {
  let mesh: LocalMesh;
  let runDir: string;
  let galley: GalleyClient;
  let entry: string;

  beforeAll(async () => {
    ({ mesh, runDir } = await startMesh());
    galley = new GalleyClient(mesh.galleyUrl);
    entry = `http://127.0.0.1:${mesh.workload('booking-v1').inboundPort}`;
    const before = await routeVersions(mesh.pilotAdminUrl);
    await galley.apply(load('shipping-destination-rule.yaml'));
    await galley.apply(load('shipping-canary-90-10.yaml'));
    await waitForRouteChange(mesh.pilotAdminUrl, before, 10000);
  }, 120000);

  afterAll(async () => {
    await mesh?.stop();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('splits shipping-service traffic 90/10 between v1 and v2', async () => {
    const n = 800;
    const r = await sendBookings({ inboundUrl: entry, count: n, concurrency: 8 });
    expect(r.failed).toBe(0);
    expect(r.ok).toBe(n);
    // Binomial(800, 0.1): sd ≈ 8.5; accept ±4.5 sd so a correct split fails about once in 150,000 runs.
    const v2 = r.shippingVersions['v2'] ?? 0;
    expect(v2).toBeGreaterThanOrEqual(80 - 38);
    expect(v2).toBeLessThanOrEqual(80 + 38);
    expect((r.shippingVersions['v1'] ?? 0) + v2).toBe(n);
  });

  it('shows every sidecar SYNCED in meshctl proxy-status', async () => {
    let out = '';
    const code = await runCli(['proxy-status', '--pilot', mesh.pilotAdminUrl], {}, { out: (t) => void (out += t), err: (t) => void (out += t) });
    expect(code).toBe(0);
    const rows = out.trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(4);
    for (const w of mesh.plan.workloads) expect(rows.find((r) => r.includes(`~${w.name}.default~`))).toMatch(/SYNCED\s+SYNCED\s+SYNCED\s+SYNCED$/);
  });

  it('follows a config change at Galley within 2 s', async () => {
    const t0 = Date.now();
    await galley.apply(load('shipping-all-v2.yaml'));
    // Live traffic until 20 consecutive bookings are all quoted by v2.
    let streak = 0;
    while (streak < 20 && Date.now() - t0 < 5000) {
      const r = await sendBookings({ inboundUrl: entry, count: 1, concurrency: 1 });
      streak = r.shippingVersions['v2'] === 1 ? streak + 1 : 0;
    }
    const elapsed = Date.now() - t0;
    expect(streak).toBe(20);
    expect(elapsed).toBeLessThan(2000);
    const after = await sendBookings({ inboundUrl: entry, count: 100, concurrency: 4 });
    expect(after.shippingVersions).toEqual({ v2: 100 });
  });

  it('keeps serving the last good routes when sidecars NACK a config they cannot accept', async () => {
    const bad = load('shipping-all-v2.yaml');
    // Valid RE2, so Galley stores it; but the sidecar cannot run POSIX classes exactly as RE2 does
    // (it refuses rather than route differently from Envoy), so every sidecar NACKs the routes.
    bad.spec = {
      hosts: ['shipping-service'],
      http: [{ match: [{ uri: { regex: '^/api/v1/[[:alpha:]]+/quote$' } }], route: [{ destination: { host: 'shipping-service', subset: 'v1' } }] }],
    };
    await galley.apply(bad);
    const deadline = Date.now() + 5000;
    let nacked: string[] = [];
    while (Date.now() < deadline) {
      const syncz = await fetchSyncz(mesh.pilotAdminUrl);
      nacked = syncz.filter((e) => e.types['RouteConfiguration']?.lastNack && e.types['RouteConfiguration']?.acked !== e.types['RouteConfiguration']?.sent).map((e) => e.types['RouteConfiguration']!.lastNack!.message);
      if (nacked.length === mesh.plan.workloads.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(nacked).toHaveLength(mesh.plan.workloads.length);
    for (const m of nacked) expect(m).toMatch(/POSIX class/);
    // The NACKed routes would send everything to v1; the last good ones (all v2) still serve.
    const r = await sendBookings({ inboundUrl: entry, count: 100, concurrency: 4 });
    expect(r.failed).toBe(0);
    expect(r.shippingVersions).toEqual({ v2: 100 });
  });
});
