import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';

const WS = clusterOf('svc', 'ws');
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A WebSocket server reduced to what a tunnel test needs: the RFC 6455 handshake, then echo of raw bytes. */
async function echoWebSocketServer(): Promise<{ server: http.Server; port: number; upgrades: http.IncomingHttpHeaders[] }> {
  const upgrades: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((_req, res) => res.writeHead(426).end('upgrade required'));
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    upgrades.push(req.headers);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    socket.on('data', (c: Buffer) => socket.write(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, upgrades };
}

/** Opens a WebSocket through the sidecar; resolves with the response and, on 101, the socket. */
function openWebSocket(port: number, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket?: Socket; body?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host: 'svc', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': KEY, 'sec-websocket-version': '13' }, agent: false });
    req.on('upgrade', (res, socket: Socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket upgrades (upgrade_configs)', () => {
  const h = new SidecarHarness();
  let ws: Awaited<ReturnType<typeof echoWebSocketServer>>;

  beforeAll(async () => {
    ws = await echoWebSocketServer();
    await h.start(
      featureConfig({
        clusters: [{ name: WS, endpoints: [['127.0.0.1', ws.port]] }],
        hcm: { upgrade_configs: [{ upgrade_type: 'websocket' }] },
        routes: [
          { match: { prefix: '/no-upgrade' }, route: { cluster: WS, upgrade_configs: [{ upgrade_type: 'websocket', enabled: { value: false } }] } },
          { match: { prefix: '/' }, route: { cluster: WS } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await h.stop();
    ws.server.closeAllConnections();
    ws.server.close();
  });

  it('switches protocols and relays bytes both ways', async () => {
    const r = await openWebSocket(h.port, '/chat');
    expect(r.status).toBe(101);
    expect(r.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(ws.upgrades[ws.upgrades.length - 1]).toMatchObject({ upgrade: 'websocket', 'sec-websocket-key': KEY, host: 'svc' });
    const socket = r.socket!;
    const echoed = new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.length >= 10) resolve(got);
      });
    });
    socket.write('hello');
    socket.write('world');
    expect(await echoed).toBe('helloworld');
    socket.destroy();
    await h.until(() => h.seen.some((i) => i.path === '/chat' && i.status === 101 && i.cluster === WS));
  });

  it('refuses an upgrade the route disables with 403', async () => {
    const r = await openWebSocket(h.port, '/no-upgrade');
    expect(r.status).toBe(403);
  });
});
