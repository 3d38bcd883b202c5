import fs from 'node:fs';
import path from 'node:path';
import { GalleyClient, readDocuments } from '@mesh/meshctl';
import { helpText, parseSettings, setting, SettingsError } from '@mesh/runtime';
import { LocalMesh } from './local-mesh.js';
import { defaultPlan, freePlan } from './plan.js';
import { buildSummary } from './summary.js';
import { allSynced, fetchSyncz, routeVersions, waitForRouteChange } from './sync.js';
import { formatVersions, mergeTraffic, sendBookings } from './traffic.js';
import type { TrafficResult } from './traffic.js';

const specs = {
  requests: setting({ type: 'int', env: 'MESH_DEMO_REQUESTS', default: 500, description: 'booking requests sent before the summary' }),
  rate: setting({ type: 'int', env: 'MESH_DEMO_RATE', default: 5, description: 'requests per second sent afterwards, until Ctrl-C (0: none)' }),
  ports: setting({ type: 'string', env: 'MESH_DEMO_PORTS', default: 'default', oneOf: ['default', 'free'], description: 'default: the documented ports; free: pick free ports' }),
  runDir: setting({ type: 'string', env: 'MESH_DEMO_RUN_DIR', default: '.mesh/run', description: 'where logs, Citadel state and tokens go' }),
  natsUrl: setting({ type: 'string', env: 'MESH_DEMO_NATS_URL', default: undefined, description: 'use this NATS (default: 127.0.0.1:4222 if up, else start nats-server)' }),
  exitAfterSummary: setting({ type: 'bool', env: 'MESH_DEMO_EXIT', default: false, description: 'stop everything after printing the summary' }),
};

const out = (line: string): void => void process.stdout.write(line + '\n');
const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'samples', 'demo');

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseSettings(specs, process.argv.slice(2).filter((a) => a !== 'up'), process.env);
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`mesh-local: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    out(helpText('mesh-local up', 'runs the whole mesh and the sample app as local processes, applies a canary, sends traffic, prints a summary', specs));
    return 0;
  }
  const s = parsed.settings;
  const runDir = path.resolve(s.runDir);
  fs.mkdirSync(runDir, { recursive: true });
  const mesh = new LocalMesh({ plan: s.ports === 'free' ? await freePlan() : defaultPlan(), runDir, natsUrl: s.natsUrl, progress: out });

  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      out(`\n${why}: stopping ${mesh.processes.length} processes...`);
      await mesh.stop();
      out('stopped; no process left behind.');
    })();
    return stopping;
  };
  process.on('SIGINT', () => void stop('Ctrl-C').then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(0)));

  out(`Starting the mesh (logs: ${path.relative(process.cwd(), path.join(runDir, 'logs')) || '.'}/)`);
  await mesh.start();

  out(`\nApplying the canary through Galley (${mesh.galleyUrl}): shipping-service 90% v1 / 10% v2`);
  const galley = new GalleyClient(mesh.galleyUrl);
  const before = await routeVersions(mesh.pilotAdminUrl);
  let changed = false;
  for (const file of ['shipping-destination-rule.yaml', 'shipping-canary-90-10.yaml']) {
    for (const { doc } of readDocuments([path.join(SAMPLES, file)])) {
      const r = await galley.apply(doc);
      changed ||= r.action !== 'unchanged';
      out(`  ${r.kind.toLowerCase()}.networking.istio.io/${r.name} ${r.action} (resourceVersion ${r.resourceVersion})`);
    }
  }
  const t0 = Date.now();
  if (changed) {
    await waitForRouteChange(mesh.pilotAdminUrl, before, 10000);
    out(`  ✓ every sidecar ACKed the new routes (${Date.now() - t0} ms after the write)`);
  } else {
    while (!allSynced(await fetchSyncz(mesh.pilotAdminUrl), mesh.plan.workloads.length)) await new Promise((r) => setTimeout(r, 100));
    out('  ✓ Galley already held this config (kept from an earlier run in NATS); every sidecar has ACKed it');
  }

  const booking = mesh.workload('booking-v1');
  const entry = `http://127.0.0.1:${booking.inboundPort}`;
  out(`\nSending ${s.requests} booking requests into booking-service's sidecar (${entry}/api/v1/booking)...`);
  const traffic = await sendBookings({ inboundUrl: entry, count: s.requests, concurrency: 8 });
  out(await buildSummary(mesh, traffic));

  if (s.exitAfterSummary) {
    await stop('done');
    return traffic.failed === 0 ? 0 : 1;
  }
  out('The mesh keeps running, with light traffic. Try, in another terminal:');
  out('  pnpm exec meshctl proxy-status');
  out('  pnpm exec meshctl apply -f samples/demo/shipping-all-v2.yaml     # promote v2: watch the split below change');
  out(`  curl -s ${entry}/api/v1/booking | head -c 300`);
  out('Press Ctrl-C to stop everything.\n');
  if (s.rate > 0) void trickle(entry, s.rate, () => stopping !== undefined);
  return -1;
}

/** Sends `rate` requests per second, one at a time, and prints the split every 10 s, until stopped. */
async function trickle(entry: string, rate: number, stopped: () => boolean): Promise<void> {
  const gapMs = 1000 / rate;
  let window: TrafficResult = { sent: 0, ok: 0, failed: 0, shippingVersions: {}, statuses: {} };
  let windowStart = Date.now();
  while (!stopped()) {
    const t0 = Date.now();
    window = mergeTraffic(window, await sendBookings({ inboundUrl: entry, count: 1, concurrency: 1 }));
    if (stopped()) return;
    if (Date.now() - windowStart >= 10000) {
      out(`  last 10 s: ${window.sent} requests, shipping ${formatVersions(window)}${window.failed ? `, ${window.failed} failed` : ''}`);
      window = { sent: 0, ok: 0, failed: 0, shippingVersions: {}, statuses: {} };
      windowStart = Date.now();
    }
    await new Promise((r) => setTimeout(r, Math.max(0, gapMs - (Date.now() - t0))));
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`mesh-local: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
