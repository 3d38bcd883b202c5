import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { freePort } from '@mesh/runtime/testing';
import { clusterOf } from '../testing/feature-config.js';
import { SidecarHarness } from '../testing/sidecar-harness.js';
import type { TestPki } from '../testing/test-certs.js';
import { makeTestPki } from '../testing/test-certs.js';
import type { TestUpstream } from '../testing/test-upstream.js';
import { startTestUpstream } from '../testing/test-upstream.js';
import { edsCluster, hcmFilter, istioHttpFilters, loadAssignment, rawListener, rawRouteConfiguration, tcpProxyFilter, tlsTransportSocket } from '../testing/xds-fixtures.js';
import { packTyped } from '../xds/decode/typed-config.js';

const WEB = clusterOf('web');
const ECHO = clusterOf('echo');
const NETWORK_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';
const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

/**
 * `principals` and `namespaces` through real mTLS: the sidecar terminates TLS with a required
 * client certificate, the peer's SPIFFE ID becomes `source.principal`, and the RBAC filters (as
 * Pilot writes an ALLOW and a DENY AuthorizationPolicy) decide.
 */
describe('AuthorizationPolicy principals and namespaces over mTLS', () => {
  const h = new SidecarHarness();
  let pki: TestPki;
  let web: TestUpstream;
  let port = 0;
  let tcpPort = 0;
  let plainTcpPort = 0;
  const echo = net.createServer((c) => c.pipe(c));
  const clients: Record<string, { cert: string; key: string }> = {};

  const principalIs = (v: Record<string, unknown>) => ({ metadata: { filter: 'istio_authn', path: [{ key: 'source.principal' }], value: { string_match: v } } });
  const nsIs = (ns: string) => principalIs({ safe_regex: { google_re2: {}, regex: `.*/ns/${ns}/.*` } });
  const rbac = (rules: Record<string, unknown>) => ({ name: 'envoy.filters.http.rbac', typed_config: packTyped(RBAC_TYPE, { rules }) });
  const networkRbac = (rules: Record<string, unknown>) => ({ name: 'envoy.filters.network.rbac', typed_config: packTyped(NETWORK_RBAC_TYPE, { rules, stat_prefix: 'tcp.' }) });

  /** Sends `ping` over a TCP connection (mTLS when `client` is given); resolves with what came back before the close. */
  const tcpEcho = (p: number, client?: string) =>
    new Promise<string>((resolve) => {
      const c = client ? clients[client]! : undefined;
      const s = c ? tls.connect({ host: '127.0.0.1', port: p, ca: pki.caCert, servername: 'httpbin.foo', cert: c.cert, key: c.key }) : net.connect({ host: '127.0.0.1', port: p });
      let got = '';
      s.on(c ? 'secureConnect' : 'connect', () => s.write('ping'));
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got === 'ping') s.end();
      });
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
    });

  const request = (path: string, client?: string) =>
    new Promise<number>((resolve, reject) => {
      const c = client ? clients[client]! : undefined;
      const opts = { host: '127.0.0.1', port, servername: 'httpbin.foo', ca: pki.caCert, ...(c ? { cert: c.cert, key: c.key } : {}) };
      const req = http.request({ path, headers: { host: 'httpbin.foo' }, createConnection: () => tls.connect(opts) } as http.RequestOptions, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    pki = makeTestPki();
    const server = pki.issue('httpbin', ['DNS:httpbin.foo']);
    for (const [name, id] of [
      ['sleep', 'cluster.local/ns/default/sa/sleep'],
      ['other', 'cluster.local/ns/default/sa/other'],
      ['trusted', 'cluster.local/ns/trusted/sa/anyone'],
      ['evil', 'cluster.local/ns/evil/sa/sleep'],
    ] as const) {
      clients[name] = pki.issue(name, [`URI:spiffe://${id}`]);
    }
    web = await startTestUpstream('web');
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    [port, tcpPort, plainTcpPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const mutual = tlsTransportSocket({
      common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: server.cert }, private_key: { inline_string: server.key } }], validation_context: { trusted_ca: { inline_string: pki.caCert } } },
      require_client_certificate: { value: true },
    });
    const filters = [
      // DENY: anyone from namespace evil (even the sleep service account).
      rbac({ action: 'DENY', policies: { 'ns[foo]-policy[deny-evil]-rule[0]': { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [nsIs('evil')] } }] } }] } } }),
      // ALLOW: principals [.../sa/sleep suffix] on /data*, or namespaces [trusted] anywhere, or anyone but sa/other on /open (notPrincipals).
      rbac({
        policies: {
          'ns[foo]-policy[allow]-rule[0]': { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [{ header: { name: ':path', prefix_match: '/data' } }] } }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [principalIs({ suffix: '/sa/sleep' })] } }] } }] },
          'ns[foo]-policy[allow]-rule[1]': { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [nsIs('trusted')] } }] } }] },
          'ns[foo]-policy[allow]-rule[2]': {
            permissions: [{ and_rules: { rules: [{ or_rules: { rules: [{ header: { name: ':path', exact_match: '/open' } }] } }] } }],
            principals: [{ and_ids: { ids: [{ not_id: { or_ids: { ids: [principalIs({ exact: 'cluster.local/ns/default/sa/other' })] } } }] } }],
          },
        },
      }),
      ...istioHttpFilters(),
    ];
    await h.start(
      {
        clusters: [edsCluster(WEB), edsCluster(ECHO)],
        endpoints: [loadAssignment(WEB, [['127.0.0.1', web.port]]), loadAssignment(ECHO, [['127.0.0.1', (echo.address() as net.AddressInfo).port]])],
        listeners: [
          rawListener(`0.0.0.0_${port}`, port, [{ transport_socket: mutual, filters: [hcmFilter('mtls', {}, filters)] }]),
          // TCP: Pilot's network RBAC (principals read as the authenticated peer), then the TCP proxy.
          rawListener(`0.0.0.0_${tcpPort}`, tcpPort, [{ transport_socket: mutual, filters: [networkRbac({ policies: { p: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/sleep' } } }] } } }), tcpProxyFilter(ECHO)] }]),
          // Plaintext TCP: a DENY on the client's IP block.
          rawListener(`0.0.0.0_${plainTcpPort}`, plainTcpPort, [{ filters: [networkRbac({ action: 'DENY', policies: { p: { permissions: [{ any: true }], principals: [{ source_ip: { address_prefix: '127.0.0.0', prefix_len: { value: 8 } } }] } } }), tcpProxyFilter(ECHO)] }]),
        ],
        routes: [rawRouteConfiguration('mtls', [{ name: 'httpbin', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: WEB } }] }])],
      },
      { env: { MESH_SIDECAR_MODE: 'gateway', MESH_SIDECAR_GATEWAY_BIND_HOST: '127.0.0.1' } },
    );
  });

  afterAll(async () => {
    await h.stop();
    await web.close();
    await new Promise((r) => echo.close(r));
    pki.cleanup();
  });

  it.each([
    ['principal (suffix *) on its path', 'sleep', '/data/1', 200],
    ['principal (suffix *) off its path', 'sleep', '/other', 403],
    ['another principal of the namespace', 'other', '/data/1', 403],
    ['namespace rule: any path', 'trusted', '/anything', 200],
    ['DENY namespace first, though its principal suffix matches', 'evil', '/data/1', 403],
    ['notPrincipals: not excluded', 'sleep', '/open', 200],
    ['notPrincipals: the excluded principal', 'other', '/open', 403],
  ] as const)('%s', async (_name, client, path, status) => {
    expect(await request(path, client)).toBe(status);
  });

  it('refuses a connection without a client certificate (STRICT mTLS) before any policy runs', async () => {
    await expect(request('/open')).rejects.toThrow();
  });

  it('enforces the network RBAC filter on TCP: the allowed peer is relayed, another is closed before connecting upstream', async () => {
    expect(await tcpEcho(tcpPort, 'sleep')).toBe('ping');
    expect(await tcpEcho(tcpPort, 'other')).toBe('');
    expect(await tcpEcho(plainTcpPort)).toBe('');
    // Both refusals are reported with the RBAC flag (and no upstream host: nothing was connected).
    await h.until(() => h.seen.filter((i) => i.protocol === 'tcp' && i.responseFlags.includes('RBAC') && i.upstreamHost === undefined).length === 2);
  });
});
