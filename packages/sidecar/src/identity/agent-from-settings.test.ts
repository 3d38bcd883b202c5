import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createProcessMetrics, parseSettings } from '@mesh/runtime';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { buildSidecarConfig, sidecarSettingSpecs } from '../config.js';
import { Sidecar } from '../sidecar.js';
import { certificateAgentFromSettings } from './agent-from-settings.js';
import { CitadelProcess, tempDir } from './test-support/citadel-process.js';

function settingsOf(env: Record<string, string>) {
  const parsed = parseSettings(sidecarSettingSpecs, [], env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.settings;
}

describe('sidecar agent settings', () => {
  it.each([
    [{ MESH_SIDECAR_CITADEL_ADDRESS: 'localhost:8060' }, /needs --citadel-root-cert-file, and --citadel-sa-token-file \(Kubernetes\) or --citadel-token-file/],
    [{ MESH_SIDECAR_CITADEL_ADDRESS: 'localhost:8060', MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: '/r', MESH_SIDECAR_CITADEL_TOKEN_FILE: '/t', MESH_SIDECAR_CITADEL_SA_TOKEN_FILE: '/s' }, /not both/],
  ])('refuses %j', (env, message) => {
    expect(() => buildSidecarConfig(settingsOf(env))).toThrow(message);
  });

  it('accepts a service-account token file instead of a bootstrap token', () => {
    expect(() => buildSidecarConfig(settingsOf({ MESH_SIDECAR_CITADEL_ADDRESS: 'localhost:8060', MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: '/r', MESH_SIDECAR_CITADEL_SA_TOKEN_FILE: '/var/run/secrets/tokens/istio-token' }))).not.toThrow();
  });

  it('builds no agent when no Citadel is configured', () => {
    expect(certificateAgentFromSettings(settingsOf({}), silentLogger())).toBeUndefined();
  });
});

describe('the sidecar admin endpoints with the certificate agent (real Citadel process)', () => {
  let dir: string;
  let citadel: CitadelProcess;
  let sidecar: Sidecar | undefined;

  beforeAll(async () => {
    dir = tempDir('mesh-agent-admin-');
    const adminToken = crypto.randomBytes(24).toString('hex');
    fs.writeFileSync(path.join(dir, 'admin-token'), adminToken, { mode: 0o600 });
    citadel = await CitadelProcess.start(path.join(dir, 'state'), path.join(dir, 'admin-token'));
    fs.writeFileSync(path.join(dir, 'token'), `${await citadel.issueToken(adminToken, 'shop', 'booking')}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await sidecar?.stop();
    await citadel?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves /certs (identity, serial, validity, root fingerprints) and the agent metrics on /metrics', async () => {
    const settings = settingsOf({
      MESH_SIDECAR_PILOT_ADDRESS: `127.0.0.1:${await freePort()}`,
      MESH_SIDECAR_OUTBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: '0',
      MESH_SIDECAR_NAMESPACE: 'shop',
      MESH_SIDECAR_SERVICE_ACCOUNT: 'booking',
      MESH_SIDECAR_CITADEL_ADDRESS: `localhost:${citadel.grpcPort}`,
      MESH_SIDECAR_CITADEL_ROOT_CERT_FILE: path.join(dir, 'state', 'root-cert.pem'),
      MESH_SIDECAR_CITADEL_TOKEN_FILE: path.join(dir, 'token'),
      MESH_SIDECAR_CERT_TTL_S: '3600',
      MESH_DRAIN_MS: '200',
    });
    const metrics = createProcessMetrics('mesh-sidecar-test');
    const agent = certificateAgentFromSettings(settings, silentLogger(), metrics.meter)!;
    // Wired the way main.ts wires it.
    sidecar = new Sidecar({
      config: buildSidecarConfig(settings),
      logger: silentLogger(),
      metrics,
      components: [{ name: 'identity', start: () => agent.start(), stop: () => agent.stop() }, { name: 'metrics', stop: () => metrics.shutdown() }],
      adminRoutes: [{ path: '/certs', handler: () => agent.state() }],
    });
    await sidecar.start();
    const res = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/certs`);
    expect(res.status).toBe(200);
    const certs = (await res.json()) as Record<string, unknown>;
    const leaf = new crypto.X509Certificate(agent.current()!.certChainPem[0]!);
    const root = new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'state', 'root-cert.pem'), 'utf8'));
    expect(certs).toMatchObject({
      identity: 'spiffe://cluster.local/ns/shop/sa/booking',
      credential: 'bootstrap-token',
      serial: leaf.serialNumber,
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      rootFingerprints: [root.fingerprint256],
      rotations: 1,
    });
    expect(certs['secondsToExpiry']).toBeGreaterThan(3500);
    expect(certs).not.toHaveProperty('lastError');
    expect(JSON.stringify(certs)).not.toContain(fs.readFileSync(path.join(dir, 'token'), 'utf8').trim());
    const text = await (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/metrics`)).text();
    expect(Number(/^sidecar_agent_cert_expiry_seconds (\d+)/m.exec(text)?.[1])).toBeGreaterThan(3500);
    expect(text).toMatch(/^sidecar_agent_cert_issuance_count_total 1$/m);
  });
});
