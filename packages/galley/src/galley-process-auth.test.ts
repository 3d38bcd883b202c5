import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, parseSettings } from '@mesh/runtime';
import { NatsServerProcess } from '@mesh/runtime/testing';
import { galleySpecs } from './config.js';
import type { GalleySettings } from './config.js';
import { startGalley } from './galley-process.js';
import { sampleVirtualService as vs } from './testing/sample-objects.js';

function settings(env: Record<string, string>): GalleySettings {
  const parsed = parseSettings(galleySpecs, [], { MESH_ADMIN_PORT: '0', MESH_GALLEY_API_PORT: '0', MESH_GALLEY_API_HOST: '127.0.0.1', MESH_ADMIN_HOST: '127.0.0.1', ...env });
  if (parsed.help) throw new Error('unexpected help');
  return parsed.settings;
}

describe('Galley authentication settings', () => {
  let nats: NatsServerProcess;
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-auth-'));
  const secrets = { ci: 'ci-5ecret-4f1d9a', ops: 'ops-5ecret-77b2c0', single: 'single-5ecret-0a9e31', wrong: 'wrong-5ecret-deadbeef' };

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    writeFileSync(path.join(dir, 'tokens.yaml'), `tokens:\n- token: ${secrets.ci}\n  user: ci\n  roles: {write: [shop]}\n- token: ${secrets.ops}\n  user: ops\n  roles: {admin: ["*"]}\n`);
    writeFileSync(path.join(dir, 'token'), `${secrets.single}\n`);
  });
  afterAll(async () => {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates tokens from MESH_GALLEY_TOKENS_FILE and MESH_GALLEY_TOKEN_FILE, and never logs a token', async () => {
    let log = '';
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString('utf8');
        done();
      },
    });
    const galley = await startGalley(
      settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_TOKENS_FILE: path.join(dir, 'tokens.yaml'), MESH_GALLEY_TOKEN_FILE: path.join(dir, 'token') }),
      createLogger('mesh-galley', 'debug', capture),
    );
    const api = `http://127.0.0.1:${galley.apiPort}`;
    const call = (token: string | undefined, method: string, url: string, body?: unknown, query = '') =>
      fetch(`${api}${url}${query}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const ns = (n: string) => `/apis/networking.istio.io/v1alpha3/namespaces/${n}/virtualservices`;
    try {
      expect((await call(secrets.ci, 'POST', ns('shop'), vs('a'))).status).toBe(201);
      const forbidden = await call(secrets.ci, 'POST', ns('payments'), vs('a'));
      expect(forbidden.status).toBe(403);
      expect(((await forbidden.json()) as { message: string }).message).toContain('User "ci" cannot create');
      expect((await call(secrets.ops, 'GET', '/apis/authentication.istio.io/v1alpha1/meshpolicies')).status).toBe(200);
      expect((await call(secrets.single, 'GET', ns('shop'))).status).toBe(200);
      expect((await call(secrets.wrong, 'GET', ns('shop'))).status).toBe(401);
      expect((await call(undefined, 'GET', ns('shop'))).status).toBe(401);
      // Tokens in places they do not belong must not reach the log either.
      await call(secrets.wrong, 'GET', ns('shop'), undefined, `?token=${secrets.wrong}`);
      await call(secrets.ci, 'POST', ns('shop'), { ...vs('b'), metadata: { name: 'b', annotations: { leaked: secrets.ops } } }, `?labelSelector=${secrets.single}`);
      await call(secrets.ci, 'POST', ns('shop'), `{"broken": "${secrets.ops}`);
    } finally {
      await galley.stop();
    }
    expect(log).toContain('"msg":"request"');
    for (const s of Object.values(secrets)) expect(log).not.toContain(s);
  });

  it('allows requests without a token only with MESH_GALLEY_ANONYMOUS=true', async () => {
    const closed = await startGalley(settings({ MESH_NATS_URL: nats.url }), createLogger('mesh-galley', 'silent'));
    try {
      const res = await fetch(`http://127.0.0.1:${closed.apiPort}/apis`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toContain('MESH_GALLEY_TOKENS_FILE');
    } finally {
      await closed.stop();
    }
    const open = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_ANONYMOUS: 'true' }), createLogger('mesh-galley', 'silent'));
    try {
      expect((await fetch(`http://127.0.0.1:${open.apiPort}/apis`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('serves the API over HTTPS with MESH_GALLEY_API_TLS_CERT_FILE and _KEY_FILE (kubectl sends tokens only over HTTPS)', async () => {
    const cert = path.join(dir, 'api.crt');
    const key = path.join(dir, 'api.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=galley', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const galley = await startGalley(
      settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_TOKENS_FILE: path.join(dir, 'tokens.yaml'), MESH_GALLEY_API_TLS_CERT_FILE: cert, MESH_GALLEY_API_TLS_KEY_FILE: key }),
      createLogger('mesh-galley', 'silent'),
    );
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.get(`https://127.0.0.1:${galley.apiPort}/apis`, { ca: readFileSync(cert), headers: { authorization: `Bearer ${secrets.ops}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await galley.stop();
    }
    const half = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_API_TLS_CERT_FILE: cert }), createLogger('mesh-galley', 'silent')).catch((e: unknown) => e as Error);
    expect((half as Error).message).toContain('set both MESH_GALLEY_API_TLS_CERT_FILE and MESH_GALLEY_API_TLS_KEY_FILE');
  });

  it('refuses to start with an invalid tokens file, without echoing its tokens', async () => {
    writeFileSync(path.join(dir, 'bad.yaml'), `tokens:\n- token: ${secrets.ci}\n  user: ci\n  roles: {owner: [shop]}\n`);
    const err = await startGalley(settings({ MESH_NATS_URL: nats.url, MESH_GALLEY_TOKENS_FILE: path.join(dir, 'bad.yaml') }), createLogger('mesh-galley', 'silent')).catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain('roles.owner is not a role');
    expect((err as Error).message).not.toContain(secrets.ci);
  });
});
