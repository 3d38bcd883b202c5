import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const H2 = clusterOf('svc', 'h2');
const H1 = clusterOf('svc', 'h1');

/** An h2c upstream answering JSON with the protocol it saw, plus a trailer. */
async function h2Upstream(): Promise<{ server: http2.Http2Server; port: number; sessions: number }> {
  const state = { server: http2.createServer(), port: 0, sessions: 0 };
  state.server.on('session', () => state.sessions++);
  state.server.on('stream', (stream, headers) => {
    let body = '';
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(body.length) }));
      stream.end(JSON.stringify({ version: '2', path: headers[':path'], authority: headers[':authority'], body, te: headers['te'] }));
    });
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', () => r()));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

function h2Request(session: http2.ClientHttp2Session, path: string, body?: string): Promise<{ status: number; body: string; trailers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':method': body ? 'POST' : 'GET', ':path': path, ':authority': 'svc', te: 'trailers' });
    let status = 0;
    let data = '';
    let trailers: http2.IncomingHttpHeaders = {};
    s.on('response', (h) => (status = Number(h[':status'])));
    s.on('trailers', (t) => (trailers = t));
    s.on('data', (c: Buffer) => (data += c.toString()));
    s.on('end', () => resolve({ status, body: data, trailers }));
    s.on('error', reject);
    s.end(body);
  });
}

describe('HTTP/2 (h2c downstream and upstream, http2_protocol_options)', () => {
  const h = new SidecarHarness();
  let up2: Awaited<ReturnType<typeof h2Upstream>>;
  let up1: TestUpstream;
  let client: http2.ClientHttp2Session;

  beforeAll(async () => {
    [up2, up1] = await Promise.all([h2Upstream(), startTestUpstream('h1')]);
    await h.start(
      featureConfig({
        clusters: [
          { name: H2, endpoints: [['127.0.0.1', up2.port]], cluster: { http2_protocol_options: {} } },
          { name: H1, endpoints: [['127.0.0.1', up1.port]] },
        ],
        routes: [
          { match: { prefix: '/h1' }, route: { cluster: H1 } },
          { match: { prefix: '/' }, route: { cluster: H2 } },
        ],
      }),
    );
    client = http2.connect(`http://127.0.0.1:${h.port}`);
  });
  afterAll(async () => {
    client.close();
    await h.stop();
    up2.server.close();
    await up1.close();
  });

  it('proxies h2c to an HTTP/2 upstream, passing trailers and TE: trailers', async () => {
    const r = await h2Request(client, '/grpc-like', 'hello');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ version: '2', path: '/grpc-like', authority: 'svc', body: 'hello', te: 'trailers' });
    expect(r.trailers['x-checksum']).toBe('5');
  });

  it('multiplexes concurrent streams over one upstream connection', async () => {
    const before = up2.sessions;
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => h2Request(client, `/m${i}`)));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(up2.sessions - before).toBeLessThanOrEqual(1);
  });

  it('translates between HTTP/2 and HTTP/1.1 both ways', async () => {
    const r = await h2Request(client, '/h1/x');
    expect(JSON.parse(r.body)).toMatchObject({ server: 'h1', url: '/h1/x', headers: { host: 'svc' } });
    const via1 = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: h.port, path: '/from-h1', headers: { host: 'svc' }, agent: false }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(JSON.parse(via1)).toMatchObject({ version: '2', path: '/from-h1', authority: 'svc' });
  });

  it('reports HTTP/2 requests like any other', async () => {
    await h2Request(client, '/reported');
    await h.until(() => h.seen.some((i) => i.path === '/reported' && i.status === 200 && i.cluster === H2));
  });
});
