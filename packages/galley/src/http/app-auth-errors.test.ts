import { KINDS } from '@mesh/shared-api';
import type { ConfigResource } from '@mesh/shared-api';
import { silentLogger } from '@mesh/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { NO_ACCESS_CONFIGURED, TokenAuthenticator } from '../auth/authenticator.js';
import type { AuthConfig } from '../auth/authenticator.js';
import type { GalleyMetrics } from '../metrics.js';
import type { ConfigStore } from '../store/config-store.js';
import { unavailable } from '../store/store-errors.js';
import { buildApp, INTERNAL_ERROR_MESSAGE } from './app.js';

// These cases never reach storage, or need it to fail on purpose, so a stub store stands in for NATS.
const LIST_URL = '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices';
const item: ConfigResource = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'a', namespace: 'default', resourceVersion: '7' }, spec: { hosts: ['a'] } };

function stubStore(overrides: Partial<ConfigStore> = {}): ConfigStore {
  return {
    get: jest.fn(async () => item),
    recent: jest.fn(async () => item),
    list: jest.fn(async () => ({ items: [item], resourceVersion: '7' })),
    create: jest.fn(async (_k, o: ConfigResource) => o),
    replace: jest.fn(async (_k, o: ConfigResource) => o),
    delete: jest.fn(async () => item),
    watch: jest.fn(async () => Promise.reject(new Error('no watch in this stub'))),
    revisionWindow: jest.fn(async () => ({ first: 1, last: 7 })),
    ...overrides,
  };
}

function recordingMetrics(): GalleyMetrics & { requests: string[]; failures: string[] } {
  const requests: string[] = [];
  const failures: string[] = [];
  return { requests, failures, recordRequest: (m, c) => requests.push(`${m} ${c}`), recordValidationFailure: (k) => failures.push(k) };
}

function app(auth: AuthConfig, store = stubStore(), metrics?: GalleyMetrics): FastifyInstance {
  return buildApp({ store, authenticator: new TokenAuthenticator(auth), logger: silentLogger(), metrics, version: '0.1.0' });
}

describe('buildApp authentication', () => {
  const token = 's3cr3t-token';

  it('refuses every request with a 401 that says how to configure access when nothing is configured', async () => {
    const store = stubStore();
    const a = app({ anonymous: false }, store);
    for (const url of [LIST_URL, '/apis', '/version', '/nowhere']) {
      const res = await a.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: NO_ACCESS_CONFIGURED, reason: 'Unauthorized', code: 401 });
    }
    expect(store.list).not.toHaveBeenCalled();
    await a.close();
  });

  it.each([
    ['no Authorization header', undefined, 'send "Authorization: Bearer <token>"'],
    ['a wrong token', `Bearer ${token}x`, 'invalid bearer token'],
    ['a token of the right length but wrong content', `Bearer ${'x'.repeat(token.length)}`, 'invalid bearer token'],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`, 'must be "Bearer <token>"'],
  ])('answers 401 to %s when a token is configured', async (_what, authorization, message) => {
    const store = stubStore();
    const a = app({ anonymous: false, token }, store);
    const res = await a.inject({ method: 'GET', url: LIST_URL, headers: authorization ? { authorization } : {} });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="galley"');
    expect(res.json()).toMatchObject({ reason: 'Unauthorized', code: 401, message: expect.stringContaining(message) });
    expect(res.body).not.toContain(token);
    expect(store.list).not.toHaveBeenCalled();
    await a.close();
  });

  it('answers 200 with the right token', async () => {
    const a = app({ anonymous: false, token });
    const res = await a.inject({ method: 'GET', url: LIST_URL, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'VirtualServiceList', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'a' } }] });
    await a.close();
  });

  it('lets requests without credentials in when anonymous access is on, but still refuses a wrong token', async () => {
    const a = app({ anonymous: true, token });
    expect((await a.inject({ method: 'GET', url: LIST_URL })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: LIST_URL, headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    await a.close();
  });
});

describe('buildApp error mapping', () => {
  it('answers an unexpected store failure with a 500 Status whose message is stable and leaks nothing', async () => {
    const a = app({ anonymous: true }, stubStore({ list: jest.fn(async () => Promise.reject(new Error('disk on fire at /var/secret'))) }));
    const res = await a.inject({ method: 'GET', url: LIST_URL });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: INTERNAL_ERROR_MESSAGE, reason: 'InternalError', code: 500 });
    expect(res.body).not.toContain('disk on fire');
    await a.close();
  });

  it('answers 503 ServiceUnavailable while the store cannot reach NATS', async () => {
    const a = app({ anonymous: true }, stubStore({ get: jest.fn(async () => Promise.reject(unavailable(new Error('timeout')))) }));
    const res = await a.inject({ method: 'GET', url: `${LIST_URL}/a` });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ reason: 'ServiceUnavailable', code: 503, details: { name: 'a', kind: 'virtualservices' } });
    await a.close();
  });

  it('counts requests by method and code, and validation failures by kind', async () => {
    const metrics = recordingMetrics();
    const store = stubStore();
    const a = app({ anonymous: true }, store, metrics);
    await a.inject({ method: 'GET', url: LIST_URL });
    await a.inject({ method: 'POST', url: LIST_URL, payload: { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'a' }, spec: { hosts: 1 } } });
    await a.inject({ method: 'POST', url: LIST_URL, payload: { metadata: { name: 'b' }, spec: { hosts: ['b'], http: [{ route: [{ destination: { host: 'b' } }] }] } } });
    expect(metrics.requests).toEqual(['GET 200', 'POST 422', 'POST 201']);
    expect(metrics.failures).toEqual(['VirtualService']);
    // The path supplied apiVersion and kind for the body that omitted them.
    expect(store.create).toHaveBeenCalledTimes(1);
    expect(store.create).toHaveBeenCalledWith(KINDS[0], {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'VirtualService',
      metadata: { name: 'b', namespace: 'default' },
      spec: { hosts: ['b'], http: [{ route: [{ destination: { host: 'b' } }] }] },
    }, { dryRun: false });
    await a.close();
  });
});
