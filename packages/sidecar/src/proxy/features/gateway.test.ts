import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { freePort } from '@mesh/runtime/testing';
import { clusterOf } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import type { TestPki } from '../../testing/test-certs.js';
import { makeTestPki } from '../../testing/test-certs.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { sendRequest, startTestUpstream } from '../../testing/test-upstream.js';
import { edsCluster, hcmFilter, loadAssignment, rawListener, rawRouteConfiguration, tcpProxyFilter, tlsInspector, tlsTransportSocket } from '../../testing/xds-fixtures.js';

const WEB = clusterOf('web');
const ECHO = clusterOf('echo');
const PASS = clusterOf('pass');

describe('gateway mode (listeners from LDS: HTTP, HTTPS SIMPLE/MUTUAL, TLS passthrough, TCP, httpsRedirect)', () => {
  const h = new SidecarHarness();
  let pki: TestPki;
  let web: TestUpstream;
  let echo: net.Server;
  let passthrough: tls.Server;
  const ports = { http: 0, https: 0, tcp: 0 };

  const vhost = (name: string, domains: string[], extra: Record<string, unknown> = {}) => ({ name, domains, routes: [{ match: { prefix: '/' }, route: { cluster: WEB } }], ...extra });
  const tlsRequest = (path: string, servername: string, extra: tls.ConnectionOptions = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: ports.https, path, headers: { host: servername }, servername, ca: pki.caCert, createConnection: () => tls.connect({ host: '127.0.0.1', port: ports.https, servername, ca: pki.caCert, ...extra }) } as http.RequestOptions, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    pki = makeTestPki();
    const server = pki.issue('gateway', ['DNS:secure.example.com', 'DNS:mtls.example.com']);
    const passCert = pki.issue('passthrough-backend', ['DNS:pass.example.com']);
    const client = pki.issue('client', ['URI:spiffe://cluster.local/ns/default/sa/client']);
    Object.assign(pki, { client });
    web = await startTestUpstream('web');
    echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
    passthrough = tls.createServer({ cert: passCert.cert, key: passCert.key }, (s) => s.end('from-backend'));
    await Promise.all([new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r())), new Promise<void>((r) => passthrough.listen(0, '127.0.0.1', () => r()))]);
    [ports.http, ports.https, ports.tcp] = await Promise.all([freePort(), freePort(), freePort()]);
    const simple = tlsTransportSocket({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: server.certFile }, private_key: { filename: server.keyFile } }], alpn_protocols: ['h2', 'http/1.1'] } });
    const mutual = tlsTransportSocket({
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { inline_string: server.cert }, private_key: { inline_string: server.key } }],
        validation_context: { trusted_ca: { inline_string: pki.caCert }, match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/ns/default/' }] },
      },
      require_client_certificate: { value: true },
    });
    await h.start(
      {
        clusters: [edsCluster(WEB), edsCluster(ECHO), edsCluster(PASS)],
        endpoints: [loadAssignment(WEB, [['127.0.0.1', web.port]]), loadAssignment(ECHO, [['127.0.0.1', (echo.address() as net.AddressInfo).port]]), loadAssignment(PASS, [['127.0.0.1', (passthrough.address() as net.AddressInfo).port]])],
        listeners: [
          rawListener(`0.0.0.0_${ports.http}`, ports.http, [{ filters: [hcmFilter(`http.${ports.http}`, { use_remote_address: { value: true } })] }]),
          rawListener(
            `0.0.0.0_${ports.https}`,
            ports.https,
            [
              { filter_chain_match: { server_names: ['secure.example.com'] }, transport_socket: simple, filters: [hcmFilter('https.secure')] },
              { filter_chain_match: { server_names: ['mtls.example.com'] }, transport_socket: mutual, filters: [hcmFilter('https.secure')] },
              { filter_chain_match: { server_names: ['pass.example.com'] }, filters: [tcpProxyFilter(PASS)] },
            ],
            { listener_filters: [tlsInspector()] },
          ),
          rawListener(`0.0.0.0_${ports.tcp}`, ports.tcp, [{ filters: [tcpProxyFilter(ECHO)] }]),
        ],
        routes: [
          rawRouteConfiguration(`http.${ports.http}`, [vhost('web', ['web.example.com', `web.example.com:${ports.http}`]), vhost('redirect', ['secure.example.com', `secure.example.com:${ports.http}`], { require_tls: 'ALL' })]),
          rawRouteConfiguration('https.secure', [vhost('secure', ['*'])]),
        ],
      },
      { env: { MESH_SIDECAR_MODE: 'gateway', MESH_SIDECAR_GATEWAY_BIND_HOST: '127.0.0.1' } },
    );
    await h.until(() => h.sidecar.ports.listeners.size === 3);
  });
  afterAll(async () => {
    await h.stop();
    await web.close();
    echo.close();
    passthrough.close();
    pki.cleanup();
  });

  it('registers as a router node and binds every listener at its own port', () => {
    expect(h.ads.requests[0]!.request.node?.id).toMatch(/^router~/);
    expect(h.sidecar.ports.listeners.get(`0.0.0.0_${ports.http}`)).toBe(ports.http);
  });

  it('routes HTTP by the listener’s route configuration, appending the client to x-forwarded-for', async () => {
    const r = await sendRequest(ports.http, '/shop', { host: 'web.example.com' });
    expect(r.echo).toMatchObject({ server: 'web', url: '/shop', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect((await sendRequest(ports.http, '/', { host: 'unknown.example.com' })).status).toBe(404);
  });

  it('redirects plain HTTP to HTTPS where the virtual host requires TLS (httpsRedirect)', async () => {
    const r = await sendRequest(ports.http, '/login?next=1', { host: 'secure.example.com' });
    expect([r.status, r.headers['location']]).toEqual([301, 'https://secure.example.com/login?next=1']);
  });

  it('terminates TLS (SIMPLE) for the chain matching the SNI', async () => {
    const r = await tlsRequest('/tls', 'secure.example.com');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ server: 'web', url: '/tls', headers: { 'x-forwarded-proto': 'https' } });
  });

  it('speaks HTTP/2 over TLS when ALPN picks h2', async () => {
    const session = http2.connect(`https://127.0.0.1:${ports.https}`, { servername: 'secure.example.com', ca: pki.caCert });
    const body = await new Promise<string>((resolve, reject) => {
      const s = session.request({ ':path': '/h2', ':authority': 'secure.example.com' });
      let b = '';
      s.on('data', (c: Buffer) => (b += c.toString()));
      s.on('end', () => resolve(b));
      s.on('error', reject);
      s.end();
    });
    session.close();
    expect(JSON.parse(body)).toMatchObject({ server: 'web', url: '/h2' });
  });

  it('requires a client certificate from the trusted CA with an allowed SAN (MUTUAL)', async () => {
    const client = (pki as TestPki & { client: { cert: string; key: string } }).client;
    const ok = await tlsRequest('/mtls', 'mtls.example.com', { cert: client.cert, key: client.key });
    expect(ok.status).toBe(200);
    await expect(tlsRequest('/mtls', 'mtls.example.com')).rejects.toThrow();
  });

  it('passes TLS through untouched by SNI to the backend that holds the certificate', async () => {
    const got = await new Promise<{ cn: string; data: string }>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: ports.https, servername: 'pass.example.com', ca: pki.caCert }, () => {
        const cn = String(s.getPeerCertificate().subject.CN);
        let data = '';
        s.on('data', (c: Buffer) => (data += c.toString()));
        s.on('end', () => resolve({ cn, data }));
      });
      s.on('error', reject);
    });
    expect(got).toEqual({ cn: 'passthrough-backend', data: 'from-backend' });
  });

  it('closes a TLS connection whose SNI no chain serves', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: ports.https, servername: 'nobody.example.com', ca: pki.caCert }, () => resolve(s));
        s.on('error', reject);
      }),
    ).rejects.toThrow();
  });

  it('proxies TCP both ways, half-close included', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: ports.tcp, allowHalfOpen: true }, () => s.end('ping over tcp'));
      let data = '';
      s.on('data', (c: Buffer) => (data += c.toString()));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(reply).toBe('ping over tcp');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.cluster === ECHO && i.requestBytes === 13 && i.responseBytes === 13));
  });
});
