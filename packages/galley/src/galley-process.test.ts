import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NatsUnavailableError, parseSettings } from '@mesh/runtime';
import { freePort, isPortOpen, NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { galleySpecs } from './config.js';
import type { GalleySettings } from './config.js';
import { startGalley } from './galley-process.js';
import type { RunningGalley } from './galley-process.js';

function settings(env: Record<string, string>): GalleySettings {
  const parsed = parseSettings(galleySpecs, [], { MESH_ADMIN_PORT: '0', MESH_GALLEY_API_PORT: '0', MESH_GALLEY_API_HOST: '127.0.0.1', MESH_ADMIN_HOST: '127.0.0.1', ...env });
  if (parsed.help) throw new Error('unexpected help');
  return parsed.settings;
}

const VS_URL = '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices';
const vs = (name: string, hosts: unknown = ['shipping']) => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name },
  spec: { hosts, http: [{ route: [{ destination: { host: 'shipping' } }] }] },
});

describe('startGalley', () => {
  let nats: NatsServerProcess;
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-process-'));
  const tokenFile = path.join(dir, 'token');
  const token = 'process-test-token';

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    writeFileSync(tokenFile, `${token}\n`);
  });
  afterAll(async () => {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API with token auth, reports readiness and metrics, and stops cleanly', async () => {
    const galley: RunningGalley = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_TOKEN_FILE: tokenFile }), silentLogger());
    const api = `http://127.0.0.1:${galley.apiPort}`;
    const admin = `http://127.0.0.1:${galley.adminPort}`;
    try {
      const ready = await fetch(`${admin}/healthz/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { started: true, 'nats-connected': true, 'config-bucket': true } });

      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      expect((await fetch(`${api}${VS_URL}`)).status).toBe(401);
      expect((await fetch(`${api}${VS_URL}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const created = await fetch(`${api}${VS_URL}`, { method: 'POST', headers: auth, body: JSON.stringify(vs('a')) });
      expect(created.status).toBe(201);
      const invalid = await fetch(`${api}${VS_URL}`, { method: 'POST', headers: auth, body: JSON.stringify(vs('b', 'not-a-list')) });
      expect(invalid.status).toBe(422);
      const listed = await fetch(`${api}${VS_URL}`, { headers: auth });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toEqual(['a']);

      const metrics = await (await fetch(`${admin}/metrics`)).text();
      expect(metrics).toMatch(/^galley_requests_total\{method="POST",code="201"\} 1$/m);
      expect(metrics).toMatch(/^galley_requests_total\{method="POST",code="422"\} 1$/m);
      expect(metrics).toMatch(/^galley_requests_total\{method="GET",code="401"\} 2$/m);
      expect(metrics).toMatch(/^galley_validation_failures_total\{kind="VirtualService"\} 1$/m);
    } finally {
      await galley.stop();
    }
    expect(galley.readiness.status().ready).toBe(false);
    expect(await isPortOpen('127.0.0.1', galley.apiPort)).toBe(false);
    expect(await isPortOpen('127.0.0.1', galley.adminPort)).toBe(false);
    await galley.stop(); // idempotent
  });

  it('fails start-up with a one-line reason when NATS is unreachable, leaving no port open', async () => {
    const deadPort = await freePort();
    const adminPort = await freePort();
    const started = Date.now();
    const err = await startGalley(
      settings({ MESH_NATS_URL: `nats://127.0.0.1:${deadPort}`, MESH_NATS_CONNECT_TIMEOUT_MS: '600', MESH_GALLEY_ANONYMOUS: 'true', MESH_ADMIN_PORT: String(adminPort) }),
      silentLogger(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatsUnavailableError);
    expect((err as Error).message).toBe(`NATS at nats://127.0.0.1:${deadPort} is unreachable after 600 ms`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await isPortOpen('127.0.0.1', adminPort)).toBe(false);
  });

  it('fails start-up when the token file cannot be read', async () => {
    const err = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_TOKEN_FILE: path.join(dir, 'missing') }), silentLogger()).catch((e: unknown) => e);
    expect((err as Error).message).toContain('cannot read the token file');
  });
});
