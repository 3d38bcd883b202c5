import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AdapterEnv, AdapterHandler, AdapterInstance, InstanceValue, MixerAdapter } from '@mesh/shared-api';
import { parseIp } from '../expr/functions.js';
import { denierAdapter } from './denier.js';
import { listAdapter } from './list.js';
import { memquotaAdapter } from './memquota.js';
import { opentelemetryAdapter } from './opentelemetry.js';
import { AdapterLoadError, loadAdapterPackage } from './plugin-loader.js';
import { redisquotaAdapter } from './redisquota.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const env = (settings: Record<string, string> = {}): AdapterEnv => ({ handlerName: 'h.handler.istio-system', logger: quiet, settings });
const handlers: AdapterHandler[] = [];
const build = async (a: MixerAdapter, params: Record<string, unknown>, settings: Record<string, string> = {}): Promise<AdapterHandler> => {
  expect(a.validateParams?.(params) ?? []).toEqual([]);
  const h = await a.createHandler(params, env(settings));
  handlers.push(h);
  return h;
};
const entry = (value: InstanceValue): AdapterInstance => ({ name: 'e.instance.default', template: 'listentry', fields: { value } });
const quota = (dims: Record<string, string>): AdapterInstance => ({ name: 'requestcountquota.instance.istio-system', template: 'quota', fields: { dimensions: dims } });
const codeOf = async (h: AdapterHandler, v: InstanceValue): Promise<number> => (await h.handleCheck!(entry(v))).status.code;

afterAll(async () => {
  for (const h of handlers) await h.close?.();
});

describe('listchecker', () => {
  it.each([
    ['STRINGS', ['v1', 'v2'], ['v1', 'v2'], ['V1', 'v3']],
    ['CASE_INSENSITIVE_STRINGS', ['Admin'], ['admin', 'ADMIN'], ['admins']],
    ['IP_ADDRESSES', ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'], ['10.1.2.3', '192.168.1.7', '2001:db8::1'], ['192.168.1.8', '11.0.0.1']],
    ['REGEX', ['^/api/v[0-9]+/'], ['/api/v1/x'], ['/web/api/v1/']],
  ] as const)('matches %s entries', async (entryType, overrides, listed, unlisted) => {
    const h = await build(listAdapter, { entryType, overrides: [...overrides], blacklist: false });
    for (const v of listed) expect(await codeOf(h, v)).toBe(0);
    for (const v of unlisted) expect(await codeOf(h, v)).toBe(5);
  });

  it('matches IP addresses given as bytes (source.ip)', async () => {
    const h = await build(listAdapter, { entryType: 'IP_ADDRESSES', overrides: ['10.0.0.0/8'], blacklist: true });
    expect(await h.handleCheck!(entry(parseIp('10.9.9.9')!))).toMatchObject({ status: { code: 7, message: '10.9.9.9 is blacklisted' } });
    expect(await codeOf(h, parseIp('172.16.0.1')!)).toBe(0);
  });

  it('fetches the list from providerUrl and refreshes it; without a fresh list it answers UNAVAILABLE', async () => {
    let body = '- alice\n- bob\n';
    let up = true;
    const server = http.createServer((_req, res) => (up ? res.end(body) : res.writeHead(500).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/list`;
    try {
      const h = await build(listAdapter, { providerUrl: url, refreshInterval: '100ms', ttl: '400ms', cachingInterval: '1s' });
      await eventually(async () => (await codeOf(h, 'alice')) === 0);
      expect(await codeOf(h, 'carol')).toBe(5);
      body = 'carol\n';
      await eventually(async () => (await codeOf(h, 'carol')) === 0);
      expect(await codeOf(h, 'alice')).toBe(5);
      up = false;
      await eventually(async () => (await codeOf(h, 'carol')) === 14);
    } finally {
      server.close();
    }
  });

  it('refuses a bad CIDR in its params', () => {
    expect(listAdapter.validateParams!({ entryType: 'IP_ADDRESSES', overrides: ['10.0.0.0/99'] })).toHaveLength(1);
  });
});

describe('denier', () => {
  it("answers the configured status with Istio's cache bounds", async () => {
    const h = await build(denierAdapter, { status: { code: 16, message: 'who are you' }, validDuration: '2s' });
    expect(await h.handleCheck!({ name: 'x', template: 'checknothing', fields: {} })).toEqual({ status: { code: 16, message: 'who are you' }, validDurationMs: 2000, validUseCount: 1000 });
  });
});

describe('memquota', () => {
  it('grants up to the override limit per dimension set, all or nothing unless best effort', async () => {
    const h = await build(memquotaAdapter, { quotas: [{ name: 'requestcountquota.instance.istio-system', maxAmount: 100, validDuration: '10s', overrides: [{ dimensions: { destination: 'a' }, maxAmount: 3 }] }] });
    const grant = async (dst: string, amount: number, bestEffort: boolean, id = `${Math.random()}`) => (await h.handleQuota!(quota({ destination: dst }), { amount, bestEffort, deduplicationId: id })).grantedAmount;
    expect(await grant('a', 2, false)).toBe(2);
    expect(await grant('a', 2, false)).toBe(0);
    expect(await grant('a', 2, true)).toBe(1);
    expect(await grant('b', 50, false)).toBe(50);
  });
});

describe('redisquota (real Redis)', () => {
  const prefix = `mixer-unit-${process.pid}-${Date.now()}:`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it.each(['FIXED_WINDOW', 'ROLLING_WINDOW'])('limits with a %s', async (algo) => {
    const h = await build(
      redisquotaAdapter,
      { redisServerUrl: '127.0.0.1:6379', quotas: [{ name: 'requestcountquota', maxAmount: 3, validDuration: '30s', bucketDuration: '500ms', rateLimitAlgorithm: algo }] },
      { redisKeyPrefix: `${prefix}${algo}:` },
    );
    const grants: number[] = [];
    for (let i = 0; i < 5; i++) grants.push((await h.handleQuota!(quota({ destination: 'x' }), { amount: 1, bestEffort: true, deduplicationId: String(i) })).grantedAmount);
    expect(grants).toEqual([1, 1, 1, 0, 0]);
    expect((await redis.keys(`${prefix}${algo}:*`)).length).toBe(1);
  });

  it('refuses a rolling window without bucketDuration', () => {
    expect(redisquotaAdapter.validateParams!({ redisServerUrl: 'x:1', quotas: [{ name: 'q', maxAmount: 1, validDuration: '1s', rateLimitAlgorithm: 'ROLLING_WINDOW' }] })).toEqual([
      'quotas q: a ROLLING_WINDOW needs bucketDuration',
    ]);
  });
});

describe('opentelemetry', () => {
  it('exports metric instances as OTLP sums and tracespans as OTLP spans', async () => {
    const received: Record<string, unknown[]> = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        (received[req.url!] ??= []).push(JSON.parse(body));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const h = await build(opentelemetryAdapter, { endpoint, serviceName: 'mixer-test', flushInterval: '50ms' });
      await h.handleReport!([
        { name: 'requestcount.metric.istio-system', template: 'metric', fields: { value: 1n, dimensions: { destination_app: 'shipping', response_code: 200n } } },
        { name: 'requestcount.metric.istio-system', template: 'metric', fields: { value: 1n, dimensions: { destination_app: 'shipping', response_code: 200n } } },
        {
          name: 'span.tracespan.istio-system',
          template: 'tracespan',
          fields: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', spanName: 'GET /quote', startTime: new Date(1000), endTime: new Date(1012), spanTags: { 'http.status_code': 200n }, clientSpan: false },
        },
      ]);
      await eventually(async () => (received['/v1/metrics']?.length ?? 0) > 0 && (received['/v1/traces']?.length ?? 0) > 0);
      expect(JSON.stringify(received['/v1/metrics']![0])).toContain('"asDouble":2');
      expect(received['/v1/traces']![0]).toMatchObject({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET /quote', startTimeUnixNano: '1000000000', endTimeUnixNano: '1012000000' }] }] }],
      });
    } finally {
      server.close();
    }
  });
});

describe('adapter packages', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixer-plugins-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, main: string) => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
    fs.writeFileSync(path.join(dir, name, 'index.js'), main);
  };

  it('loads a package by name from the search path', () => {
    write('good-adapter', "exports.adapter = { apiVersion: 'mesh.mixer.adapter/v1', name: 'good', templates: ['metric'], createHandler: () => ({}) };");
    expect(loadAdapterPackage('good-adapter', [dir])).toMatchObject({ name: 'good', templates: ['metric'] });
  });

  it.each([
    ['missing-adapter', undefined, /not found on the adapter path/],
    ['old-adapter', "exports.adapter = { apiVersion: 'v0', name: 'old', templates: [], createHandler: () => ({}) };", /written for adapter API "v0"/],
    ['not-an-adapter', 'exports.other = 1;', /does not export `adapter`/],
    ['broken-adapter', "throw new Error('boom');", /failed to load .*boom/],
  ])('refuses %s with a reason', (name, main, reason) => {
    if (main !== undefined) write(name, main);
    expect(() => loadAdapterPackage(name, [dir])).toThrow(AdapterLoadError);
    expect(() => loadAdapterPackage(name, [dir])).toThrow(reason);
  });
});

async function eventually(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
