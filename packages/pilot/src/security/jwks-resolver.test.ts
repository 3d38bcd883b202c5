import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@mesh/runtime';
import type { ConfigResource } from '@mesh/shared-api';
import type { AuthenticationPolicySpec, RequestAuthenticationSpec } from '../model/security-specs.js';
import { jwtFilter } from '../translate/security/authn.js';
import { JwksResolver } from './jwks-resolver.js';
import { fakeJwks, jwksUrisOf } from './jwks-uris.js';

const KEYS_A = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', e: 'AQAB', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw' }] });
const KEYS_B = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'b', e: 'AQAB', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw' }] });

/** A key-set server: answers `body` (or `status`), counts requests, can hang. */
function jwksHandler(state: { body: string; status: number; hang: boolean; hits: number }): http.RequestListener {
  return (_req, res) => {
    state.hits++;
    if (state.hang) return;
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(state.body);
  };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('JwksResolver against real key-set servers', () => {
  const state = { body: KEYS_A, status: 200, hang: false, hits: 0 };
  const tlsState = { body: KEYS_B, status: 200, hang: false, hits: 0 };
  const server = http.createServer(jwksHandler(state));
  let tlsServer: https.Server;
  let ca: string;
  let port: number;
  let tlsPort: number;
  const logs: string[] = [];
  const logger = createLogger('pilot-test', 'info', { write: (s: string) => void logs.push(s) });
  const resolvers: JwksResolver[] = [];
  const resolver = (over: Partial<ConstructorParameters<typeof JwksResolver>[0]> = {}) => {
    const r = new JwksResolver({ timeoutMs: 1000, refreshIntervalMs: 60_000, retryIntervalMs: 60_000, onChange: () => undefined, logger, ca, ...over });
    resolvers.push(r);
    return r;
  };

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwks-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    tlsServer = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: ca }, jwksHandler(tlsState));
    fs.rmSync(dir, { recursive: true, force: true });
    port = await listen(server);
    tlsPort = await listen(tlsServer);
  });

  afterEach(() => {
    resolvers.splice(0).forEach((r) => r.stop());
    Object.assign(state, { body: KEYS_A, status: 200, hang: false });
  });

  afterAll(async () => {
    server.closeAllConnections();
    tlsServer.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => tlsServer.close(r));
  });

  it('fetches key sets over HTTP and HTTPS, reports the change, and counts the fetch', async () => {
    const fetched: boolean[] = [];
    let changes = 0;
    const r = resolver({ onChange: () => changes++, metrics: { fetched: (ok) => fetched.push(ok) } });
    const uri = `http://127.0.0.1:${port}/jwks`;
    const tlsUri = `https://127.0.0.1:${tlsPort}/.well-known/jwks.json`;
    r.sync(new Set([uri, tlsUri]));
    await r.settled();
    expect(Object.fromEntries(r.keys())).toEqual({ [uri]: KEYS_A, [tlsUri]: KEYS_B });
    expect([changes, fetched]).toEqual([2, [true, true]]);
    // Cached: another sync with the same URIs fetches nothing.
    const hits = state.hits;
    r.sync(new Set([uri, tlsUri]));
    await r.settled();
    expect(state.hits).toBe(hits);
  });

  it('refreshes on its interval and reports a rotated key set', async () => {
    let changes = 0;
    const r = resolver({ refreshIntervalMs: 150, onChange: () => changes++ });
    const uri = `http://127.0.0.1:${port}/jwks`;
    r.sync(new Set([uri]));
    await r.settled();
    state.body = KEYS_B;
    await until(() => r.keys().get(uri) === KEYS_B);
    expect(changes).toBe(2);
  });

  it.each([
    ['an HTTP error', { status: 500 }],
    ['a server that never answers (timeout)', { hang: true }],
    ['an untrusted certificate', { tls: true }],
  ])('inlines Istio\'s fake key set, logs and counts the failure on %s; a retry recovers', async (_name, over) => {
    const tls = 'tls' in over;
    Object.assign(state, { ...over, tls: undefined });
    const fetched: boolean[] = [];
    let changes = 0;
    const r = resolver({ timeoutMs: 300, retryIntervalMs: 200, onChange: () => changes++, metrics: { fetched: (ok) => fetched.push(ok) }, ...(tls ? { ca: undefined } : {}) });
    const uri = tls ? `https://127.0.0.1:${tlsPort}/jwks` : `http://127.0.0.1:${port}/jwks`;
    logs.length = 0;
    r.sync(new Set([uri]));
    await r.settled();
    expect(r.keys().get(uri)).toBe(fakeJwks(uri));
    expect(fetched[0]).toBe(false);
    expect(changes).toBe(1);
    expect(logs.map((l) => JSON.parse(l) as { msg: string; jwksUri: string }).find((l) => l.jwksUri === uri)?.msg).toMatch(/failed to fetch the JWKS/);
    if (tls) return;
    Object.assign(state, { status: 200, hang: false });
    await until(() => r.keys().get(uri) === KEYS_A);
    expect(changes).toBe(2);
  });

  it('forgets key sets the config no longer names', async () => {
    const r = resolver();
    const uri = `http://127.0.0.1:${port}/jwks`;
    r.sync(new Set([uri]));
    await r.settled();
    r.sync(new Set());
    expect(r.keys().size).toBe(0);
  });
});

describe('jwksUrisOf and the jwt_authn filter', () => {
  const ra = (jwtRules: RequestAuthenticationSpec['jwtRules']): ConfigResource<RequestAuthenticationSpec> => ({ apiVersion: 'security.istio.io/v1beta1', kind: 'RequestAuthentication', metadata: { name: 'r', namespace: 'foo' }, spec: { jwtRules } });
  const policy: ConfigResource<AuthenticationPolicySpec> = { apiVersion: 'authentication.istio.io/v1alpha1', kind: 'Policy', metadata: { name: 'default', namespace: 'foo' }, spec: { origins: [{ jwt: { issuer: 'i2', jwksUri: 'https://b/jwks' } }] } };

  it('lists the jwksUris of RequestAuthentications and 1.4 Policies, skipping rules with inline jwks', () => {
    expect([...jwksUrisOf([ra([{ issuer: 'i1', jwksUri: 'https://a/jwks' }, { issuer: 'i3', jwksUri: 'https://c/jwks', jwks: '{"keys":[]}' }])], [policy])]).toEqual(['https://a/jwks', 'https://b/jwks']);
  });

  it('inlines a fetched (or fake) key set as local_jwks, as istiod does', () => {
    const uri = 'https://a/jwks';
    const f = jwtFilter([{ issuer: 'i1', jwksUri: uri }], false, new Map([[uri, fakeJwks(uri)]]));
    const provider = (f!['typed_config'] as { providers: Record<string, Record<string, unknown>> }).providers['i1']!;
    expect(provider['local_jwks']).toEqual({ inline_string: `{"keys":[ {"e":"AQAB","kid":"abc","kty":"RSA","n":"${Buffer.from(uri).toString('base64url')}"}]}` });
    expect(provider['remote_jwks']).toBeUndefined();
  });
});
