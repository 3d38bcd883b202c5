import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

const V = '/apis/networking.istio.io/v1alpha3';
const MP = '/apis/authentication.istio.io/v1alpha1/meshpolicies';
const meshPolicy = { apiVersion: 'authentication.istio.io/v1alpha1', kind: 'MeshPolicy', metadata: { name: 'default' }, spec: { peers: [{ mtls: {} }] } };

describe('authorization by role and namespace', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  const as = (token: string | undefined, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    galley.app.inject({ method: method as 'GET', url, payload: payload as object, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'authz-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({
      nc,
      auth: {
        anonymous: false,
        token: 'legacy-admin-token',
        tokens: [
          { token: 'reader-token', user: 'reader', roles: [{ role: 'read', namespaces: ['shop'] }] },
          { token: 'writer-token', user: 'writer', roles: [{ role: 'write', namespaces: ['shop'] }, { role: 'read', namespaces: ['*'] }] },
          { token: 'admin-token', user: 'admin', roles: [{ role: 'admin', namespaces: ['*'] }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  it('answers 401 for missing and unknown tokens, before reading the body', async () => {
    expect((await as(undefined, 'GET', `${V}/namespaces/shop/virtualservices`)).statusCode).toBe(401);
    const res = await as('nobody', 'POST', `${V}/namespaces/shop/virtualservices`, '{not json', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('lets read get, list and watch in its namespaces only', async () => {
    expect((await as('reader-token', 'GET', `${V}/namespaces/shop/virtualservices`)).statusCode).toBe(200);
    expect((await as('reader-token', 'GET', `${V}/namespaces/shop/virtualservices/x`)).statusCode).toBe(404);
    const other = await as('reader-token', 'GET', `${V}/namespaces/payments/virtualservices`);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'virtualservices.networking.istio.io is forbidden: User "reader" cannot list resource "virtualservices" in API group "networking.istio.io" in the namespace "payments": it needs the read role for namespace "payments" (or "*")',
      reason: 'Forbidden',
      details: { group: 'networking.istio.io', kind: 'virtualservices' },
      code: 403,
    });
    expect((await as('reader-token', 'GET', `${V}/virtualservices`)).statusCode).toBe(403);
    expect((await as('reader-token', 'GET', `${V}/namespaces/payments/virtualservices?watch=true`)).json().message).toContain('cannot watch resource');
  });

  it('refuses writes to a reader with 403 naming the verb, without reading the body', async () => {
    const res = await as('reader-token', 'POST', `${V}/namespaces/shop/virtualservices`, '{not json', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain('User "reader" cannot create resource "virtualservices"');
    const del = await as('reader-token', 'DELETE', `${V}/namespaces/shop/virtualservices/x`);
    expect(del.json()).toMatchObject({ code: 403, details: { name: 'x' }, message: expect.stringContaining('"x" is forbidden: User "reader" cannot delete') });
  });

  it('lets write change its namespaces and read everywhere, but not cluster-scoped kinds', async () => {
    expect((await as('writer-token', 'POST', `${V}/namespaces/shop/virtualservices`, vs('a'))).statusCode).toBe(201);
    const patch = await as('writer-token', 'PATCH', `${V}/namespaces/shop/virtualservices/a`, JSON.stringify({ metadata: { labels: { x: 'y' } } }), { 'content-type': 'application/merge-patch+json' });
    expect(patch.statusCode).toBe(200);
    expect((await as('writer-token', 'POST', `${V}/namespaces/payments/virtualservices`, vs('a'))).statusCode).toBe(403);
    expect((await as('writer-token', 'GET', `${V}/virtualservices`)).statusCode).toBe(200);
    expect((await as('writer-token', 'GET', MP)).statusCode).toBe(200);
    const mp = await as('writer-token', 'POST', MP, meshPolicy);
    expect(mp.statusCode).toBe(403);
    expect(mp.json().message).toContain('at the cluster scope: it needs the admin role for "*"');
  });

  it('lets admin (and the single MESH_GALLEY_TOKEN_FILE token) change cluster-scoped kinds', async () => {
    expect((await as('admin-token', 'POST', MP, meshPolicy)).statusCode).toBe(201);
    expect((await as('legacy-admin-token', 'DELETE', `${MP}/default`)).statusCode).toBe(200);
  });

  it('needs only authentication for discovery and OpenAPI', async () => {
    for (const url of ['/apis', '/api', `${V}`, '/openapi/v3', '/version']) {
      expect((await as('reader-token', 'GET', url)).statusCode).toBe(200);
      expect((await as(undefined, 'GET', url)).statusCode).toBe(401);
    }
  });
});
