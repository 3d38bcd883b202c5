import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import { ExtensionTypeUrls, packTyped } from '../../xds/decode/typed-config.js';

const SVC = clusterOf('svc');
const EMPTY = clusterOf('empty');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, string> }>;
  status: { code: number };
}

describe('observability: access logs, response flags in metrics, spans over OTLP', () => {
  const h = new SidecarHarness();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-obs-'));
  const logFile = path.join(dir, 'access.log');
  const hcmLogFile = path.join(dir, 'hcm-access.log');
  const spans: OtlpSpan[] = [];
  let collector: http.Server;
  let up: TestUpstream;

  const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const msg = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
          for (const rs of msg.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    up = await startTestUpstream('up');
    await h.start(
      featureConfig({
        clusters: [
          { name: SVC, endpoints: [['127.0.0.1', up.port]] },
          { name: EMPTY, endpoints: [] },
        ],
        routes: [
          { match: { prefix: '/empty' }, route: { cluster: EMPTY } },
          { match: { prefix: '/' }, route: { cluster: SVC } },
        ],
        hcm: { access_log: [{ name: 'envoy.access_loggers.file', typed_config: packTyped(ExtensionTypeUrls.FileAccessLog, { path: hcmLogFile }) }] },
      }),
      { env: { MESH_SIDECAR_ACCESS_LOG_PATH: logFile, MESH_SIDECAR_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, MESH_SIDECAR_TRACE_SAMPLING: '100' } },
    );
  });
  afterAll(async () => {
    await h.stop();
    await up.close();
    collector.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a JSON access log line per request, response flags included, to the configured file and the connection manager’s', async () => {
    await h.request('svc', '/ok?x=1', { headers: { 'user-agent': 'test-agent', 'x-request-id': 'rid-1' } });
    await h.request('svc', '/empty');
    await h.until(() => lines(logFile).length >= 2 && lines(hcmLogFile).length >= 2);
    const [ok, uh] = lines(logFile);
    expect(ok).toMatchObject({ method: 'GET', path: '/ok?x=1', protocol: 'HTTP/1.1', response_code: 200, response_flags: '-', authority: 'svc', user_agent: 'test-agent', request_id: 'rid-1', upstream_cluster: SVC, direction: 'outbound' });
    expect(ok!['upstream_host']).toBe(`127.0.0.1:${up.port}`);
    expect(uh).toMatchObject({ path: '/empty', response_code: 503, response_flags: 'UH', upstream_cluster: EMPTY });
    expect(lines(hcmLogFile)).toHaveLength(lines(logFile).length);
  });

  it('counts response flags in /stats and /stats/prometheus', async () => {
    const admin = `http://127.0.0.1:${h.sidecar.ports.admin}`;
    expect(await (await fetch(`${admin}/stats`)).text()).toMatch(/^http\.outbound\.response_flag\.UH: 1$/m);
    expect(await (await fetch(`${admin}/stats/prometheus`)).text()).toMatch(/mesh_sidecar_requests_total\{[^}]*flags="UH"[^}]*\} 1/);
  });

  it('continues the caller’s trace, sends its own span id upstream, and exports the span over OTLP', async () => {
    const r = await h.request('svc', '/traced', { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } });
    const sent = r.echo!.headers;
    expect(sent['traceparent']).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const hop = sent['traceparent']!.split('-')[2];
    expect(sent).toMatchObject({ 'x-b3-traceid': TRACE, 'x-b3-spanid': hop, 'x-b3-parentspanid': '00f067aa0ba902b7', 'x-b3-sampled': '1' });
    await h.until(() => spans.some((s) => s.traceId === TRACE), 5000);
    const span = spans.find((s) => s.traceId === TRACE)!;
    expect(span).toMatchObject({ spanId: hop, parentSpanId: '00f067aa0ba902b7', name: 'svc/traced', kind: 3, status: { code: 0 } });
    expect(span.attributes).toEqual(expect.arrayContaining([{ key: 'http.status_code', value: { intValue: '200' } }, { key: 'upstream_cluster', value: { stringValue: SVC } }]));
  });

  it('starts a trace when the caller sends none, and marks failed requests as errors', async () => {
    const r = await h.request('svc', '/empty/new-trace');
    expect(r.status).toBe(503);
    await h.until(() => spans.some((s) => s.name === 'svc/empty/new-trace'), 5000);
    const span = spans.find((s) => s.name === 'svc/empty/new-trace')!;
    expect(span.parentSpanId).toBeUndefined();
    expect(span.status.code).toBe(2);
  });
});
