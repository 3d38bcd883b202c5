import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NatsServerProcess } from '@mesh/runtime';
import { descendants, isAlive } from './helpers.js';

const MESHCTL = path.join(__dirname, '..', 'packages', 'meshctl', 'bin', 'meshctl.js');

/**
 * The operations commands against the running demo, as a new user tries them: `mesh-local up`
 * (what `./dev up` runs) in one process, the real meshctl binary in others, finding the sidecars
 * on this host by itself. Free ports, so it can run beside other meshes; meshctl tells them apart
 * by the Pilot it is pointed at.
 */
describe('meshctl proxy-status, proxy-config, top and token against the running demo', () => {
  let nats: NatsServerProcess;
  let demo: ChildProcess;
  let out = '';
  let pids: number[] = [];
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshctl-ops-'));
  const env: Record<string, string> = {};

  function meshctl(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) =>
      execFile(process.execPath, [MESHCTL, ...args], { timeout: 60_000, env: { ...process.env, ...env, ...extraEnv } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
      ),
    );
  }

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    const bin = path.join(path.dirname(require.resolve('@mesh/local-mesh/package.json')), 'bin', 'mesh-local.js');
    // Mixer's adapter-metrics port is fixed (42422) even with --ports free: let it pick one, so this mesh can run beside another.
    demo = spawn(process.execPath, [bin, 'up', '--ports', 'free', '--requests', '60', '--rate', '10', '--run-dir', runDir, '--nats-url', nats.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MESH_MIXER_ADAPTER_METRICS_PORT: '0' },
    });
    demo.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 100_000;
    while (!out.includes('Press Ctrl-C') && demo.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (!out.includes('Press Ctrl-C')) throw new Error(`the demo did not come up:\n${out}`);
    pids = descendants(demo.pid!);
    env['MESH_PILOT_ADMIN_URL'] = `http://127.0.0.1:${/pilot\s+xds [^(]+\(admin :(\d+)/.exec(out)![1]}`;
    env['MESH_CITADEL_ADMIN_URL'] = `http://127.0.0.1:${/citadel\s+grpc\+tls \S+\s+\(admin :(\d+)/.exec(out)![1]}`;
    env['MESH_CITADEL_ADMIN_TOKEN_FILE'] = path.join(runDir, 'citadel-admin.token');
    env['NO_COLOR'] = '1';
    // nx runs tests with FORCE_COLOR set; a person's pipe has neither.
    env['FORCE_COLOR'] = '0';
  }, 150_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      const exited = new Promise((r) => demo.once('exit', r));
      demo.kill('SIGINT');
      await exited;
    }
    await nats?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }, 60_000);

  it('proxy-status lists the four sidecars SYNCED, as a table, and as JSON and YAML for scripts', async () => {
    const r = await meshctl(['proxy-status']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^NAME\s+CDS\s+LDS\s+EDS\s+RDS\n/);
    for (const w of ['booking-v1', 'inventory-v1', 'shipping-v1', 'shipping-v2']) expect(r.out).toMatch(new RegExp(`sidecar~127\\.0\\.0\\.1~${w}\\.default~\\S+\\s+SYNCED\\s+SYNCED\\s+SYNCED\\s+SYNCED\\n`));
    expect(r.out).not.toContain('\u001b[');
    const json = JSON.parse((await meshctl(['proxy-status', '-o', 'json'])).out) as Array<{ proxyId: string }>;
    expect(json.map((e) => e.proxyId.split('~')[2]).sort()).toEqual(['booking-v1.default', 'inventory-v1.default', 'shipping-v1.default', 'shipping-v2.default']);
    expect((await meshctl(['proxy-status', '-o', 'yaml'])).out).toMatch(/^- proxyId: sidecar~/);
    const coloured = await meshctl(['proxy-status'], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(coloured.out).toContain('\u001b[32mSYNCED\u001b[39m');
  });

  it('proxy-config shows what booking-v1 holds: listeners, routes with the 90/10 canary, clusters, endpoints, its certificate', async () => {
    const listeners = await meshctl(['proxy-config', 'listeners', 'booking-v1']);
    expect(listeners.code).toBe(0);
    expect(listeners.out).toMatch(/^NAME\s+ADDRESS\s+PORT\s+MATCH PORT\s+TYPE\s+DESTINATION\n/);
    expect(listeners.out).toMatch(/virtualInbound\s+0\.0\.0\.0\s+15006\s+\d+\s+HTTP\s+Inline Route: inbound\|80\|\|booking-service\.default\.svc\.cluster\.local/);
    const routes = await meshctl(['proxy-config', 'routes', 'booking-v1']);
    expect(routes.out).toContain('outbound|80|v1|shipping-service.default.svc.cluster.local 90%, outbound|80|v2|shipping-service.default.svc.cluster.local 10%');
    const clusters = await meshctl(['proxy-config', 'clusters', 'booking-v1.default']);
    expect(clusters.out).toMatch(/shipping-service\.default\.svc\.cluster\.local\s+80\s+v2\s+outbound\s+EDS/);
    const endpoints = await meshctl(['proxy-config', 'endpoints', 'booking-v1', '-o', 'json']);
    const cla = JSON.parse(endpoints.out) as Array<{ cluster_name: string; endpoints: unknown[] }>;
    expect(cla.map((c) => c.cluster_name)).toContain('outbound|80|v2|shipping-service.default.svc.cluster.local');
    const secrets = await meshctl(['proxy-config', 'secrets', 'booking-v1']);
    expect(secrets.out).toMatch(/default\s+Cert Chain\s+ACTIVE\s+true\s+[0-9A-F]+\s+\S+\s+spiffe:\/\/cluster\.local\/ns\/default\/sa\/booking\n/);
    const missing = await meshctl(['proxy-config', 'clusters', 'nosuch-v9']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('no sidecar named nosuch-v9; these answer: booking-v1, inventory-v1, shipping-v1, shipping-v2') });
  });

  it('top shows request rate, errors and latency per service from the sidecars\' metrics', async () => {
    const r = await meshctl(['top', '--interval', '3']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+REQUESTS\s+RPS\s+ERRORS\s+P50\s+P90\s+P99$/);
    for (const svc of ['booking-service.default', 'inventory-service.default', 'shipping-service.default']) {
      expect(lines.find((l) => l.startsWith(svc))).toMatch(/^\S+\s+\d+\s+\d+\.\d\s+0\.0%\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+ms$/);
    }
    const json = JSON.parse((await meshctl(['top', '--interval', '2', '-o', 'json'])).out) as Array<{ service: string; requests: number; rps: number; errorRate: number }>;
    const booking = json.find((x) => x.service === 'booking-service.default')!;
    // The demo keeps sending ~10 requests a second into booking-service.
    expect(booking.rps).toBeGreaterThan(2);
    expect(booking.errorRate).toBe(0);
  });

  it('token create mints a bootstrap token with Citadel\'s admin token, and refuses without a service account', async () => {
    const r = await meshctl(['token', 'create', '--namespace', 'shop', '--service-account', 'reports', '--ttl', '2h']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(r.err).toMatch(/bootstrap token for spiffe:\/\/cluster\.local\/ns\/shop\/sa\/reports \(id \S+\), valid until \S+/);
    const json = JSON.parse((await meshctl(['token', 'create', '-n', 'shop', '--service-account', 'reports', '-o', 'json'])).out) as { identity: string; expiresAt: string };
    expect(json.identity).toBe('spiffe://cluster.local/ns/shop/sa/reports');
    expect((await meshctl(['token', 'create'])).code).toBe(2);
  });

  it('Ctrl-C on the demo leaves no process behind', async () => {
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 60_000);
});
