import http from 'node:http';
import { silentLogger } from '@mesh/runtime/testing';
import { SampleAppServer } from './server.js';

/** A stand-in for the sidecar's outbound listener: forwards by Host header, records what it saw. */
function hostRouter(routes: Record<string, number>, seen: http.IncomingHttpHeaders[]): http.Server {
  return http.createServer((req, res) => {
    seen.push(req.headers);
    const port = routes[req.headers.host ?? ''];
    if (!port) {
      res.writeHead(404).end('no route');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.end();
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

async function getJson(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('SampleAppServer', () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const apps: SampleAppServer[] = [];
  let router: http.Server;
  let bookingPort: number;
  let inventoryPort: number;
  let shippingPort: number;

  beforeAll(async () => {
    const mk = async (service: 'booking' | 'inventory' | 'shipping', version: string, proxyPort = 1) => {
      const app = new SampleAppServer({ service, version, egressProxy: new URL(`http://127.0.0.1:${proxyPort}`), upstreamTimeoutMs: 2000 }, silentLogger());
      apps.push(app);
      return app.listen('127.0.0.1', 0);
    };
    inventoryPort = await mk('inventory', 'v1');
    shippingPort = await mk('shipping', 'v2');
    router = hostRouter({ 'inventory-service': inventoryPort, 'shipping-service': shippingPort }, seen);
    const routerPort = await listen(router);
    bookingPort = await mk('booking', 'v1', routerPort);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    router.closeAllConnections();
    await new Promise((r) => router.close(r));
  });

  it('books through its egress proxy, calling inventory and shipping by service name', async () => {
    const r = await getJson(bookingPort, '/api/v1/booking?item=gizmo', { 'x-request-id': 'req-1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      service: 'booking-service',
      item: 'gizmo',
      inventory: { service: 'inventory-service', item: 'gizmo', inStock: 4 },
      shipping: { service: 'shipping-service', version: 'v2', carrier: 'drone' },
    });
    expect(seen.map((h) => h.host).sort()).toEqual(['inventory-service', 'shipping-service']);
    expect(seen.every((h) => h['x-request-id'] === 'req-1')).toBe(true);
  });

  it('answers 502 with the upstream status when a dependency fails', async () => {
    const r = await getJson(bookingPort, '/api/v1/booking?item=nothing');
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ upstreamStatus: { inventory: 404, shipping: 200 } });
  });

  it.each([
    ['/api/v1/shipping/quote', 200, { version: 'v2', days: 1 }],
    ['/nope', 404, { error: 'no route /nope' }],
    ['/healthz', 200, { status: 'ok' }],
  ])('shipping serves %s with %d', async (path, status, body) => {
    const r = await getJson(shippingPort, path);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(body);
  });
});
