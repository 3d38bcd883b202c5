import net from 'node:net';
import { ExtensionTypeUrls, packTyped } from '../../xds/decode/typed-config.js';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';

const SVC = clusterOf('svc');
const MIRROR = clusterOf('mirror');
const SEED = Number(process.env['SIDECAR_FUZZ_SEED'] ?? 0x5eed1234);
const CASES = Number(process.env['SIDECAR_FUZZ_CASES'] ?? 3000);

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random request bytes: raw noise, near-HTTP/1.1, HTTP/2 and TLS-looking openings. */
function generator(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const text = (n: number, alphabet = 'abcXYZ019-_./%?&=#: \t"\\\u0000\u00ff\r\n') => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'CONNECT', 'TRACE', 'PRI', 'G ET', '', 'get'];
  const paths = () => pick(['/', '/a/b?c=d', `/${text(int(40))}`, 'http://svc/abs', 'http://[::1', '*', '', `/${'x'.repeat(int(20000))}`, '/%zz', '/ok?version=b&debug']);
  const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', ''];
  const hosts = ['svc', 'svc:80', 'nowhere', '', 'svc:99999', '[::1]:x', 'SVC', `${'h'.repeat(300)}`];
  const scripted = ['x-fail-first: 1', 'x-test-key: k', 'x-fail-mode: reset', 'x-delay-ms: 30', 'x-status: 503', 'origin: https://a.example', 'access-control-request-method: GET', 'x-fault: yes', 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'b3: junk', 'expect: 100-continue', 'connection: upgrade', 'upgrade: websocket', 'upgrade: h2c', 'te: trailers', 'content-type: application/grpc', 'grpc-timeout: 5m'];
  return (): Buffer[] => {
    switch (int(6)) {
      case 0:
        return [bytes(int(512))];
      case 1:
        return [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), bytes(int(300))];
      case 2:
        return [Buffer.concat([Buffer.from([0x16, 0x03, int(4)]), bytes(int(200))])];
      default: {
        const headers: string[] = [];
        if (rand() < 0.9) headers.push(`Host: ${pick(hosts)}`);
        for (let i = int(6); i > 0; i--) {
          if (rand() < 0.6) headers.push(pick(scripted));
          else if (rand() < 0.7) headers.push(`x-${text(1 + int(10), 'abcxyz-')}: ${text(int(30), 'abc XYZ019-_./%?&=#:"')}`);
          else headers.push(`${text(int(12), 'abcxyz-_:')}: ${text(int(30))}`);
        }
        let body = '';
        if (rand() < 0.4) {
          body = text(int(200));
          const mode = int(4);
          if (mode === 0) headers.push(`Content-Length: ${body.length}`);
          else if (mode === 1) headers.push(`Content-Length: ${int(400)}`);
          else if (mode === 2) {
            headers.push('Transfer-Encoding: chunked');
            body = rand() < 0.5 ? `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` : `${text(3)}\r\n${body}`;
          } else headers.push(`Content-Length: ${text(3)}`);
        }
        // Mostly well-formed request lines, so most cases get past the parser into the proxy.
        const method = rand() < 0.8 ? pick(methods.slice(0, 6)) : pick(methods);
        const version = rand() < 0.8 ? 'HTTP/1.1' : pick(versions);
        const head = `${method} ${paths()} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`;
        const req = Buffer.from(head + body, 'latin1');
        // Sometimes split at a random point, or send two requests pipelined.
        if (rand() < 0.3) {
          const at = int(req.length);
          return [req.subarray(0, at), req.subarray(at)];
        }
        return rand() < 0.2 ? [Buffer.concat([req, req])] : [req];
      }
    }
  };
}

function send(port: number, pieces: Buffer[], giveUpMs: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => s.destroy(), giveUpMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.on('connect', () => {
      for (const p of pieces) if (!s.destroyed) s.write(p);
      if (Math.random() < 0.5) s.end();
    });
  });
}

describe(`fuzzing the request path (seed ${SEED.toString(16)}, ${CASES} cases)`, () => {
  const h = new SidecarHarness();
  let up: TestUpstream;
  let mirror: TestUpstream;

  beforeAll(async () => {
    [up, mirror] = await Promise.all([startTestUpstream('up'), startTestUpstream('mirror')]);
    const fault = packTyped(ExtensionTypeUrls.HTTPFault, { abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } }, headers: [{ name: 'x-fault', string_match: { exact: 'yes' } }] });
    const cors = packTyped(ExtensionTypeUrls.CorsPolicy, { allow_origin_string_match: [{ exact: 'https://a.example' }], allow_methods: 'GET' });
    await h.start(
      featureConfig({
        clusters: [
          { name: SVC, endpoints: [['127.0.0.1', up.port]], cluster: { circuit_breakers: { thresholds: [{ max_pending_requests: { value: 50 } }] }, outlier_detection: { consecutive_5xx: { value: 3 } } } },
          { name: MIRROR, endpoints: [['127.0.0.1', mirror.port]] },
        ],
        hcm: { upgrade_configs: [{ upgrade_type: 'websocket' }] },
        routes: [
          {
            match: { prefix: '/' },
            route: { cluster: SVC, timeout: { seconds: 2 }, retry_policy: { retry_on: '5xx,reset,connect-failure', num_retries: { value: 2 } }, request_mirror_policies: [{ cluster: MIRROR }], hash_policy: [{ header: { header_name: 'x-user' } }] },
            typed_per_filter_config: { 'envoy.filters.http.fault': fault, 'envoy.filters.http.cors': cors },
            request_headers_to_add: [{ header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } }],
          },
        ],
      }),
      { env: { MESH_SIDECAR_REQUEST_HEADERS_TIMEOUT_MS: '500', MESH_SIDECAR_MAX_REQUEST_HEADERS_KB: '16' } },
    );
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([up.close(), mirror.close()]);
  });

  it('never crashes, leaks no request, and serves normally afterwards', async () => {
    const next = generator(prng(SEED));
    const cases = Array.from({ length: CASES }, () => next());
    let i = 0;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (i < cases.length) await send(h.port, cases[i++]!, 600);
      }),
    );
    await h.until(() => h.sidecar.inFlight === 0, 10_000);
    const r = await h.request('svc', '/after-fuzz');
    expect(r.status).toBe(200);
    // Most cases reach the proxy; the rest are refused by the parser (400/431/408).
    expect(h.stat('http.outbound.downstream_rq_total')).toBeGreaterThan(CASES / 5);
    expect(h.stat('http.outbound.downstream_rq_rejected')).toBeGreaterThan(CASES / 20);
  }, 180_000);
});
