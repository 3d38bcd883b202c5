import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSettings } from '@mesh/runtime';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { inboundClusterName, outboundClusterName, packAny, serviceFqdn, structToJson, TypeUrls } from '@mesh/shared-api';
import { buildSidecarConfig, sidecarSettingSpecs } from './config.js';
import type { RequestInfo } from './proxy/observer.js';
import { Sidecar } from './sidecar.js';
import { FakeAdsServer } from './testing/fake-ads-server.js';
import { edsCluster, inboundCluster, inboundListener, loadAssignment, outboundListener, prefixRoute, serviceDomains, weightedRoute } from './testing/xds-fixtures.js';

const NS = 'default';
const SHIPPING = serviceFqdn('shipping', NS);
const BOOKING = serviceFqdn('booking', NS);
const C = {
  shipping: outboundClusterName(SHIPPING, 80),
  v1: outboundClusterName(SHIPPING, 80, 'v1'),
  v2: outboundClusterName(SHIPPING, 80, 'v2'),
  empty: outboundClusterName(serviceFqdn('empty', NS), 80),
  dead: outboundClusterName(serviceFqdn('dead', NS), 80),
  booking: outboundClusterName(BOOKING, 80),
  inbound: inboundClusterName(BOOKING, 80),
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with its own connection; `path` may be absolute-form. */
function request(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An upstream that echoes what it received as JSON, tagged with its name; `/slow*` waits first. */
function echoServer(name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ server: name, method: req.method, url: req.url, headers: req.headers, body }));
      };
      if (req.url?.startsWith('/slow')) setTimeout(reply, 600);
      else reply();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (s: http.Server) => (s.address() as AddressInfo).port;

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Sidecar (with a fake Pilot and real upstreams)', () => {
  const ads = new FakeAdsServer();
  const seen: RequestInfo[] = [];
  const quit = jest.fn();
  let v1: http.Server;
  let v2: http.Server;
  let app: http.Server;
  let deadPort: number;
  let inboundPort: number;
  let sidecar: Sidecar;
  let out: number;

  function routes(shippingRoutes: Array<Record<string, unknown>>) {
    const vh = (name: string, routes: Array<Record<string, unknown>>) => ({ name: `${serviceFqdn(name, NS)}:80`, domains: serviceDomains(name, NS, 80), routes });
    return packAny(TypeUrls.RouteConfiguration, {
      name: '80',
      virtual_hosts: [vh('shipping', shippingRoutes), vh('empty', [prefixRoute('/', C.empty)]), vh('dead', [prefixRoute('/', C.dead)]), vh('booking', [prefixRoute('/', C.booking)])],
    });
  }

  const initialRoutes = [
    weightedRoute('/split', [
      [C.v1, 90],
      [C.v2, 10],
    ]),
    prefixRoute('/v2', C.v2),
    { match: { prefix: '/slow-timeout' }, route: { cluster: C.v1, timeout: { nanos: 200_000_000 } } },
    { match: { prefix: '/', headers: [{ name: 'x-canary', string_match: { exact: 'yes' } }] }, route: { cluster: C.v2 } },
    prefixRoute('/', C.v1),
  ];

  beforeAll(async () => {
    [v1, v2, app] = await Promise.all([echoServer('v1'), echoServer('v2'), echoServer('app')]);
    [deadPort, inboundPort] = await Promise.all([freePort(), freePort()]);
    await ads.start();
    ads.set('Cluster', [C.shipping, C.v1, C.v2, C.empty, C.dead, C.booking].map((c) => edsCluster(c)).concat(inboundCluster(C.inbound, portOf(app))));
    ads.set('ClusterLoadAssignment', [
      loadAssignment(C.shipping, [
        ['127.0.0.1', portOf(v1)],
        ['127.0.0.1', portOf(v2)],
      ]),
      loadAssignment(C.v1, [['127.0.0.1', portOf(v1)]]),
      loadAssignment(C.v2, [['127.0.0.1', portOf(v2)]]),
      loadAssignment(C.empty, []),
      loadAssignment(C.dead, [['127.0.0.1', deadPort]]),
      loadAssignment(C.booking, [['127.0.0.1', inboundPort]]),
    ]);
    ads.set('Listener', [outboundListener(80), inboundListener([{ endpointPort: inboundPort, servicePort: 80, fqdn: BOOKING }], inboundPort)]);
    ads.set('RouteConfiguration', [routes(initialRoutes)]);

    const parsed = parseSettings(sidecarSettingSpecs, [], {
      MESH_SIDECAR_PILOT_ADDRESS: ads.address,
      MESH_SIDECAR_OUTBOUND_PORT: '0',
      MESH_SIDECAR_INBOUND_PORT: String(inboundPort),
      MESH_SIDECAR_INBOUND_BIND_HOST: '127.0.0.1',
      MESH_ADMIN_PORT: '0',
      MESH_SIDECAR_LABELS: 'app=booking,version=v1',
      MESH_SIDECAR_WORKLOAD_NAME: 'booking-v1-test',
      MESH_SIDECAR_APP_PORT: String(portOf(app)),
      MESH_DRAIN_MS: '2000',
    });
    if (parsed.help) throw new Error('unexpected help');
    let x = 12345;
    const random = () => ((x = (x * 1664525 + 1013904223) % 2 ** 32), x / 2 ** 32);
    sidecar = new Sidecar({ config: buildSidecarConfig(parsed.settings), logger: silentLogger(), observers: [{ onRequestComplete: (i) => seen.push(i) }], random, onQuit: quit });
    await sidecar.start();
    out = sidecar.ports.outbound;
    await sidecar.whenSynced(5000);
  });

  afterAll(async () => {
    await sidecar.stop();
    await ads.stop();
    for (const s of [v1, v2, app]) s.closeAllConnections();
    await Promise.all([v1, v2, app].map((s) => new Promise((r) => s.close(r))));
  });

  const lastSeen = () => seen[seen.length - 1]!;

  it('registers itself with Pilot: node and metadata in the first request only', () => {
    const first = ads.requests.filter((r) => r.stream === 1);
    expect(first[0]!.request.node?.id).toBe('sidecar~127.0.0.1~booking-v1-test.default~default.svc.cluster.local');
    expect(structToJson(first[0]!.request.node?.metadata)).toEqual({
      NAMESPACE: 'default',
      LABELS: { app: 'booking', version: 'v1' },
      SERVICE_ACCOUNT: 'default',
      INSTANCE_IPS: '127.0.0.1',
      WORKLOAD_NAME: 'booking-v1-test',
      MESH_SERVICE: 'booking',
      MESH_PORTS: [{ name: 'http', port: 80, endpointPort: inboundPort, targetPort: portOf(app), protocol: 'HTTP' }],
    });
    expect(first.slice(1).every((r) => !r.request.node)).toBe(true);
    expect(ads.nacks()).toEqual([]);
  });

  it('proxies by Host header, with or without the port, forwarding method, path, body and headers', async () => {
    const r = await request(out, '/orders?id=7', { host: 'shipping', method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain', connection: 'x-hop', 'x-hop': '1' } });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body) as { server: string; method: string; url: string; body: string; headers: Record<string, string> };
    expect(echo).toMatchObject({ server: 'v1', method: 'POST', url: '/orders?id=7', body: 'hello' });
    expect(echo.headers['host']).toBe('shipping');
    expect(echo.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A sidecar hop (use_remote_address unset) leaves x-forwarded-for alone, as Envoy does.
    expect(echo.headers['x-forwarded-for']).toBeUndefined();
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-hop']).toBeUndefined();
    expect(r.headers['x-envoy-upstream-service-time']).toBeDefined();
    expect((await request(out, '/', { host: `${SHIPPING}:80` })).status).toBe(200);
    expect(lastSeen()).toMatchObject({ direction: 'outbound', status: 200, cluster: C.v1, source: { service: 'booking', workload: 'booking-v1-test', version: 'v1' }, destination: { service: 'shipping', namespace: 'default' } });
  });

  it('proxies absolute-form requests like Host-header requests', async () => {
    const r = await request(out, 'http://shipping/v2/x?q=1', { host: 'ignored.example' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ server: 'v2', url: '/v2/x?q=1', headers: { host: 'shipping' } });
  });

  it('matches routes on headers', async () => {
    const r = await request(out, '/', { host: 'shipping', headers: { 'x-canary': 'yes' } });
    expect(JSON.parse(r.body)).toMatchObject({ server: 'v2' });
  });

  it('keeps the x-request-id it is given', async () => {
    const r = await request(out, '/', { host: 'shipping', headers: { 'x-request-id': 'abc-123' } });
    expect(JSON.parse(r.body)).toMatchObject({ headers: { 'x-request-id': 'abc-123' } });
  });

  it('follows a 90/10 weighted split', async () => {
    const counts: Record<string, number> = { v1: 0, v2: 0 };
    for (let i = 0; i < 400; i++) {
      const r = await request(out, '/split', { host: 'shipping' });
      counts[(JSON.parse(r.body) as { server: string }).server]!++;
    }
    expect(counts['v1']! + counts['v2']!).toBe(400);
    expect(counts['v2']).toBeGreaterThanOrEqual(20);
    expect(counts['v2']).toBeLessThanOrEqual(60);
  });

  it.each([
    ['an unknown host', 'nowhere', '/', 404, 'NR', ''],
    ['a cluster without endpoints', 'empty', '/', 503, 'UH', 'no healthy upstream'],
    ['an endpoint that refuses connections', 'dead', '/', 503, 'UF', 'upstream connect error or disconnect/reset before headers. reset reason: connection failure'],
    ['a route timeout', 'shipping', '/slow-timeout', 504, 'UT', 'upstream request timeout'],
  ])('answers %s like Envoy', async (_what, host, path, status, flag, body) => {
    const r = await request(out, path, { host });
    expect([r.status, r.body]).toEqual([status, body]);
    await eventually(() => seen.some((i) => i.responseFlags.includes(flag)));
    expect(seen.find((i) => i.responseFlags.includes(flag))).toMatchObject({ status, host });
  });

  it('forwards inbound requests to its app and exchanges peer metadata with the calling sidecar', async () => {
    // booking → (outbound) → its own inbound listener → the app: both sides of one hop.
    const r = await request(out, '/inbound-check', { host: 'booking' });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body) as { server: string; headers: Record<string, string> };
    expect(echo.server).toBe('app');
    expect(echo.headers['x-mesh-peer-metadata']).toBeUndefined();
    expect(r.headers['x-mesh-peer-metadata']).toBeUndefined();
    await eventually(() => seen.filter((i) => i.path === '/inbound-check').length === 2);
    const [inbound, outbound] = seen.filter((i) => i.path === '/inbound-check');
    expect(inbound).toMatchObject({ direction: 'inbound', cluster: C.inbound, source: { workload: 'booking-v1-test', version: 'v1' }, destination: { service: 'booking' } });
    expect(outbound).toMatchObject({ direction: 'outbound', cluster: C.booking, destination: { workload: 'booking-v1-test', app: 'booking' } });
    const direct = await request(sidecar.ports.inbound, '/direct', { host: 'whatever' });
    expect(JSON.parse(direct.body)).toMatchObject({ server: 'app', url: '/direct' });
    expect(direct.headers['x-mesh-peer-metadata']).toBeUndefined();
  });

  it('switches to new routes when Pilot pushes them', async () => {
    ads.set('RouteConfiguration', [routes([prefixRoute('/', C.v2)])]);
    await eventually(async () => JSON.parse((await request(out, '/', { host: 'shipping' })).body).server === 'v2');
    expect(ads.requests.some((r) => r.type === 'RouteConfiguration' && r.request.version_info === ads.version('RouteConfiguration') && !r.request.error_detail)).toBe(true);
  });

  it('NACKs a route it cannot compile and keeps routing by the last good config', async () => {
    const accepted = ads.version('RouteConfiguration');
    ads.set('RouteConfiguration', [routes([{ match: { safe_regex: { regex: '/(broken' } }, route: { cluster: C.v1 } }])]);
    await eventually(() => ads.nacks('RouteConfiguration').length > 0);
    const nack = ads.nacks('RouteConfiguration')[0]!.request;
    expect(nack.version_info).toBe(accepted);
    expect(nack.error_detail).toMatchObject({ code: 3, message: expect.stringMatching(/RouteConfiguration 80 virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid regex/) });
    expect(JSON.parse((await request(out, '/', { host: 'shipping' })).body)).toMatchObject({ server: 'v2' });
    const dump = (await (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/config_dump`)).json()) as { xds: Record<string, { version: string; lastNack?: { version: string; message: string } }> };
    expect(dump.xds['RouteConfiguration']).toMatchObject({ version: accepted, lastNack: { version: ads.version('RouteConfiguration') } });
  });

  it('serves /ready, /stats and POST /quitquitquit on the admin port', async () => {
    const admin = `http://127.0.0.1:${sidecar.ports.admin}`;
    const ready = await fetch(`${admin}/ready`);
    expect([ready.status, await ready.text()]).toEqual([200, 'LIVE\n']);
    expect((await fetch(`${admin}/healthz/ready`)).status).toBe(200);
    const stats = await (await fetch(`${admin}/stats`)).text();
    expect(stats).toMatch(new RegExp(`^cluster\\.${C.v1.replace(/\|/g, '\\|')}\\.upstream_rq_200: \\d+$`, 'm'));
    expect(stats).toMatch(/^http\.outbound\.response_flag\.NR: 1$/m);
    expect(stats).toMatch(/^xds\.RouteConfiguration\.update_rejected: 1$/m);
    expect(await (await fetch(`${admin}/stats/prometheus`)).text()).toMatch(/mesh_sidecar_requests_total/);
    const q = await fetch(`${admin}/quitquitquit`, { method: 'POST' });
    expect(q.status).toBe(200);
    await eventually(() => quit.mock.calls.length === 1);
  });

  it('reconnects when the stream drops, sending its node again', async () => {
    const streamsBefore = new Set(ads.requests.map((r) => r.stream)).size;
    ads.dropStreams();
    await eventually(() => ads.openStreams === 1 && new Set(ads.requests.map((r) => r.stream)).size > streamsBefore);
    const latest = Math.max(...ads.requests.map((r) => r.stream));
    expect(ads.requests.find((r) => r.stream === latest)!.request.node?.id).toContain('booking-v1-test');
    expect((await request(out, '/', { host: 'shipping' })).status).toBe(200);
  });

  it('drains on stop: a request in flight completes, new connections are refused', async () => {
    const slow = request(out, '/slow-but-allowed', { host: 'shipping' });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = sidecar.stop();
    const r = await slow;
    expect(r.status).toBe(200);
    await stopping;
    await expect(request(out, '/', { host: 'shipping' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
