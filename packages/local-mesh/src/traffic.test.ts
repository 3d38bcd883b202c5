import http from 'node:http';
import { formatVersions, sendBookings } from './traffic.js';

describe('sendBookings', () => {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    if (n % 5 === 0) return void res.writeHead(503).end('no healthy upstream');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ host: req.headers.host, shipping: { version: n % 5 === 1 ? 'v2' : 'v1' } }));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('counts answers per shipping version and failures per status', async () => {
    const r = await sendBookings({ inboundUrl: url, count: 50, concurrency: 1 });
    expect(r).toEqual({ sent: 50, ok: 40, failed: 10, shippingVersions: { v1: 30, v2: 10 }, statuses: { '200': 40, '503': 10 } });
    expect(formatVersions(r)).toBe('v1 30 (75.0%)   v2 10 (25.0%)');
  });
});
