import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSettings } from '@mesh/runtime';
import { freePort, NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { pilotSettingSpecs, startPilot } from '@mesh/pilot';
import type { RunningPilot } from '@mesh/pilot';
import { ConfigBucketWriter } from '@mesh/pilot/testing';
import { buildSidecarConfig, Sidecar, sidecarSettingSpecs } from '@mesh/sidecar';
import { sendRequest, startTestUpstream } from '@mesh/sidecar/testing';
import type { TestReply, TestUpstream } from '@mesh/sidecar/testing';

/**
 * RequestAuthentication and AuthorizationPolicy end to end: a real nats-server holding the config
 * bucket, a real Pilot (which fetches the JWKS from an HTTP server in this test and inlines it), a
 * real sidecar in front of an app, requests over HTTP to the sidecar's inbound port.
 * Principals (mTLS identities) are covered by the sidecar's unit and harness tests.
 */

const ISSUER = 'testing@secure.istio.io';
const NS = 'foo';

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** An RS256 JWT signed with Node's crypto (kid k1). */
function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ iss: ISSUER, sub: 'alice', aud: 'httpbin', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('JWT authentication and authorization enforced by the sidecar (Pilot + sidecar + app)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  let jwksHits = 0;
  const jwksServer = http.createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
  });
  let nats: NatsServerProcess;
  let writer: ConfigBucketWriter;
  let pilot: RunningPilot;
  let sidecar: Sidecar;
  let app: TestUpstream;
  let inboundPort: number;

  const get = (path: string, token?: string, method = 'GET'): Promise<TestReply> => sendRequest(inboundPort, path, { host: 'httpbin.foo:8000', method, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  const valid = () => jwt(privateKey, {});

  beforeAll(async () => {
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    app = await startTestUpstream('httpbin');
    nats = await NatsServerProcess.start();
    writer = await ConfigBucketWriter.connect(nats.url);
    await writer.put('RequestAuthentication', NS, 'jwt', { selector: { matchLabels: { app: 'httpbin' } }, jwtRules: [{ issuer: ISSUER, jwksUri, audiences: ['httpbin'] }] });
    // /public: anyone; GET/POST on /headers, /files/*, *.json: a request principal of our issuer;
    // /claims/*: tokens whose groups claim has admins; /admin*: nobody (DENY first).
    await writer.put('AuthorizationPolicy', NS, 'httpbin', {
      selector: { matchLabels: { app: 'httpbin' } },
      rules: [
        { to: [{ operation: { paths: ['/public'] } }] },
        { from: [{ source: { requestPrincipals: [`${ISSUER}/*`] } }], to: [{ operation: { methods: ['GET', 'POST'], paths: ['/headers', '/files/*', '/admin/*', '*.json'] } }] },
        { to: [{ operation: { paths: ['/claims/*'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['admins'] }] },
      ],
    });
    await writer.put('AuthorizationPolicy', NS, 'deny-admin', {
      selector: { matchLabels: { app: 'httpbin' } },
      action: 'DENY',
      // ports name the workload's port (the app's), as in Kubernetes.
      rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }, { to: [{ operation: { ports: [String(app.port)], paths: ['*/secret'] } }] }],
    });
    const p = parseSettings(pilotSettingSpecs, [], {
      MESH_NATS_URL: nats.url,
      MESH_ADMIN_PORT: '0',
      MESH_ADMIN_HOST: '127.0.0.1',
      MESH_PILOT_XDS_PORT: '0',
      MESH_PILOT_XDS_HOST: '127.0.0.1',
      MESH_PILOT_DEBOUNCE_MS: '20',
      MESH_PILOT_DEBOUNCE_MAX_MS: '200',
      MESH_DRAIN_MS: '500',
    });
    if (p.help) throw new Error('unexpected --help');
    pilot = await startPilot(p.settings, silentLogger());
    inboundPort = await freePort();
    const s = parseSettings(sidecarSettingSpecs, [], {
      MESH_SIDECAR_PILOT_ADDRESS: `127.0.0.1:${pilot.xdsPort}`,
      MESH_SIDECAR_OUTBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_PORT: String(inboundPort),
      MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: '0',
      MESH_SIDECAR_SERVICE: 'httpbin',
      MESH_SIDECAR_NAMESPACE: NS,
      MESH_SIDECAR_LABELS: 'app=httpbin,version=v1',
      MESH_SIDECAR_SERVICE_ACCOUNT: 'httpbin',
      MESH_SIDECAR_WORKLOAD_NAME: 'httpbin-v1',
      MESH_SIDECAR_SERVICE_PORT: '8000',
      MESH_SIDECAR_APP_PORT: String(app.port),
      MESH_DRAIN_MS: '500',
    });
    if (s.help) throw new Error('unexpected --help');
    sidecar = new Sidecar({ config: buildSidecarConfig(s.settings), logger: silentLogger() });
    await sidecar.start();
    await sidecar.whenSynced(10000);
    // Pilot fetches the JWKS in the background and pushes again once it has it.
    await eventually(async () => (await get('/headers', valid())).status === 200);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await pilot?.stop();
    await writer?.close();
    await nats?.stop();
    await app?.close();
    jwksServer.closeAllConnections();
    await new Promise((r) => jwksServer.close(r));
  });

  it('fetched the JWKS once from jwksUri (Pilot inlines it; the sidecar never calls the issuer)', () => {
    expect(jwksHits).toBe(1);
  });

  it.each([
    ['an expired token', () => jwt(privateKey, { exp: Math.floor(Date.now() / 1000) - 3600 }), 'Jwt is expired'],
    ['a forged token', () => jwt(forger, {}), 'Jwt verification fails'],
    ['a token for another audience', () => jwt(privateKey, { aud: 'other' }), 'Audiences in Jwt are not allowed'],
  ])('refuses %s with 401 and Envoy\'s body', async (_name, make, body) => {
    const r = await get('/public', make());
    expect([r.status, r.body]).toEqual([401, body]);
  });

  it('lets a request without a token pass authentication; the policy requiring requestPrincipals denies it', async () => {
    expect((await get('/public')).status).toBe(200);
    const r = await get('/headers');
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
  });

  it('admits a valid token on the methods the rule lists only', async () => {
    const r = await get('/headers', valid());
    expect(r.status).toBe(200);
    // RequestAuthentication removes the token unless forwardOriginalToken is set (Istio's default).
    expect(r.echo?.headers['authorization']).toBeUndefined();
    expect((await get('/headers', valid(), 'DELETE')).status).toBe(403);
  });

  it.each([
    ['no token, /public', undefined, 'GET', '/public', 200],
    ['no token, /headers', undefined, 'GET', '/headers', 403],
    ['token, exact path', {}, 'GET', '/headers', 200],
    ['token, prefix path', {}, 'POST', '/files/a/b', 200],
    ['token, suffix path', {}, 'GET', '/reports/2026.json', 200],
    ['token, path not listed', {}, 'GET', '/other', 403],
    ['token, method not listed', {}, 'PUT', '/headers', 403],
    ['token from another subject of the issuer', { sub: 'bob' }, 'GET', '/headers', 200],
    ['claim groups has admins', { groups: ['dev', 'admins'] }, 'GET', '/claims/x', 200],
    ['claim groups without admins', { groups: ['dev'] }, 'GET', '/claims/x', 403],
    ['no token, claims path', undefined, 'GET', '/claims/x', 403],
  ] as const)('ALLOW matrix: %s', async (_name, claims, method, path, status) => {
    expect((await get(path, claims ? jwt(privateKey, claims) : undefined, method)).status).toBe(status);
  });

  it('evaluates DENY before ALLOW: /admin is refused even with a valid token', async () => {
    const r = await get('/admin/users', valid());
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
  });

  it('fails every token of an issuer whose JWKS cannot be fetched (Istio\'s fake key set), and only those', async () => {
    const freeUri = `http://127.0.0.1:${await freePort()}/jwks`;
    await writer.put('RequestAuthentication', NS, 'jwt-broken', { selector: { matchLabels: { app: 'httpbin' } }, jwtRules: [{ issuer: 'broken-issuer', jwksUri: freeUri }] });
    const broken = jwt(privateKey, { iss: 'broken-issuer' });
    await eventually(async () => (await get('/public', broken)).body === "Jwks doesn't have valid keys");
    expect((await get('/public', broken)).status).toBe(401);
    expect((await get('/headers', valid())).status).toBe(200);
    await writer.delete('RequestAuthentication', NS, 'jwt-broken');
  });

  it('matches ports against the workload port and paths by suffix', async () => {
    expect((await get('/files/secret', valid())).status).toBe(403);
    expect((await get('/files/public', valid())).status).toBe(200);
  });

  it('follows policy changes: rules: [{}] allows all, an empty spec denies all', async () => {
    await writer.put('AuthorizationPolicy', NS, 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, rules: [{}] });
    await eventually(async () => (await get('/headers')).status === 200);
    await writer.put('AuthorizationPolicy', NS, 'httpbin', { selector: { matchLabels: { app: 'httpbin' } } });
    await eventually(async () => (await get('/public', valid())).status === 403);
  });
});
