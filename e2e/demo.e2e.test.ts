import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NatsServerProcess } from '@mesh/runtime';
import { descendants, isAlive } from './helpers.js';

/** The README's demo command: brings the mesh up, prints the split, and leaves nothing behind on Ctrl-C. */
describe('mesh-local up (the demo)', () => {
  let nats: NatsServerProcess;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-demo-'));

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
  });
  afterAll(async () => {
    await nats?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('prints the canary split and each sidecar synced, then Ctrl-C stops every process it started', async () => {
    const bin = path.join(path.dirname(require.resolve('@mesh/local-mesh/package.json')), 'bin', 'mesh-local.js');
    const child = spawn(process.execPath, [bin, 'up', '--ports', 'free', '--requests', '300', '--run-dir', runDir, '--nats-url', nats.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 90000;
    while (!out.includes('Press Ctrl-C') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('Press Ctrl-C');
    expect(out).toMatch(/booking requests: 300 sent, 300 ok, 0 failed/);
    expect(out).toMatch(/shipping-service versions seen: v1 \d+ \(\d+\.\d%\)\s+v2 \d+/);
    expect(out.match(/SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/g)).toHaveLength(4);
    // mTLS by default: the servers verified booking's SPIFFE identity (the demo's own client came in plaintext).
    expect(out).toMatch(/inventory-v1\s+spiffe:\/\/cluster\.local\/ns\/default\/sa\/booking \d+\n/);
    expect(out).toMatch(/shipping-v1\s+spiffe:\/\/cluster\.local\/ns\/default\/sa\/booking \d+\n/);
    expect(out).toMatch(/booking-v1\s+plaintext 300\n/);
    // Pilot's mTLS xDS port serves the certificate its agent obtained from Citadel.
    expect(out).toMatch(/pilot-agent Pilot's certificate from Citadel/);
    expect(out).toMatch(/pilot\s+xds 127\.0\.0\.1:\d+, mTLS :\d+/);

    const pids = descendants(child.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(12); // 4 control-plane services + 4 apps + 4 sidecars
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('no process left behind');
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120000);
});
