import net from 'node:net';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');

/** Writes raw bytes (optionally in pieces, with pauses) and resolves with what came back before the close. */
function raw(port: number, pieces: Array<string | Buffer>, pauseMs = 0, giveUpMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = () => {
      clearTimeout(timer);
      resolve(got);
    };
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, giveUpMs);
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('close', done);
    s.on('error', () => undefined);
    s.on('connect', async () => {
      for (const p of pieces) {
        if (s.destroyed) return;
        s.write(p);
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  });
}

describe('bad input: malformed, oversized and slow requests', () => {
  const h = new SidecarHarness();
  let up: TestUpstream;

  beforeAll(async () => {
    up = await startTestUpstream('up');
    await h.start(featureConfig({ clusters: [{ name: SVC, endpoints: [['127.0.0.1', up.port]] }] }), {
      env: { MESH_SIDECAR_MAX_REQUEST_HEADERS_KB: '8', MESH_SIDECAR_REQUEST_HEADERS_TIMEOUT_MS: '300', MESH_SIDECAR_REQUEST_TIMEOUT_MS: '600' },
    });
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
  });

  it.each([
    ['a garbage request line', ['NOT HTTP AT ALL\r\n\r\n'], /^HTTP\/1\.1 400 /],
    ['a bad header', ['GET / HTTP/1.1\r\nHost: svc\r\nBad Header\r\n\r\n'], /^HTTP\/1\.1 400 /],
    ['conflicting lengths', ['POST / HTTP/1.1\r\nHost: svc\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc'], /^HTTP\/1\.1 400 /],
    ['a broken chunked body', ['POST / HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n'], /HTTP\/1\.1 400 /],
    ['oversized headers', [`GET / HTTP/1.1\r\nHost: svc\r\nX-Big: ${'a'.repeat(10 * 1024)}\r\n\r\n`], /^HTTP\/1\.1 431 /],
    ['no Host header', ['GET / HTTP/1.1\r\n\r\n'], /^HTTP\/1\.1 400 /],
  ])('answers %s with a 4xx and closes', async (_what, pieces, expected) => {
    expect(await raw(h.port, pieces)).toMatch(expected);
  });

  it('answers a client too slow with its request head with 408', async () => {
    const t0 = Date.now();
    const got = await raw(h.port, ['GET / HTTP/1.1\r\n', 'Host: svc\r\n'], 50);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('answers a client too slow with its body with 408', async () => {
    const got = await raw(h.port, ['POST / HTTP/1.1\r\nHost: svc\r\nContent-Length: 100\r\n\r\n', 'a'], 0, 4000);
    expect(got).toMatch(/HTTP\/1\.1 408 /);
  });

  it('closes a connection that sends nothing', async () => {
    const t0 = Date.now();
    await raw(h.port, [], 0, 3000);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('survives a broken HTTP/2 connection', async () => {
    await raw(h.port, [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 4, 9, 9, 9, 9, 9, 9, 1, 2, 3, 4])]);
  });

  it('still serves well-formed requests afterwards', async () => {
    expect((await h.request('svc', '/fine')).status).toBe(200);
    expect(h.stat('http.outbound.downstream_rq_rejected')).toBeGreaterThanOrEqual(6);
  });
});
