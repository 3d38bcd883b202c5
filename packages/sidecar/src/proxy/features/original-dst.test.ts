import http from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';
import { packAny, TypeUrls } from '@mesh/shared-api';
import type { AnyMessage } from '@mesh/shared-api';
import type { OriginalDestination, OriginalDestinationSource } from '../original-destination.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';
import { startTestUpstream } from '../../testing/test-upstream.js';
import type { TestUpstream } from '../../testing/test-upstream.js';
import { hcmFilter, inboundCluster, rawListener, rawRouteConfiguration, tcpProxyFilter } from '../../testing/xds-fixtures.js';

const DB = 'outbound|3306||db.default.svc.cluster.local';
const WEB = 'outbound|80||web.default.svc.cluster.local';
const PASSTHROUGH = 'PassthroughCluster';
const BLACKHOLE = 'BlackHoleCluster';
const VIP = '10.96.0.10';

/**
 * Stands in for the kernel: the next accepted connection "was going" to `next` (iptables
 * REDIRECT); without it, a connection was made to the sidecar's own port.
 */
class FakeOriginalDestinations implements OriginalDestinationSource {
  next: { address: string; port: number } | undefined;
  reads = 0;
  read(socket: Socket): OriginalDestination {
    this.reads++;
    const d = this.next;
    this.next = undefined;
    return d ? { ...d, restored: true } : { address: socket.localAddress ?? '', port: socket.localPort ?? 0, restored: false };
  }
}

const originalDstCluster = (name: string, extra: Record<string, unknown> = {}): AnyMessage =>
  packAny(TypeUrls.Cluster, { name, type: 'ORIGINAL_DST', connect_timeout: { seconds: 1 }, lb_policy: 'CLUSTER_PROVIDED', ...extra });
const blackHole = (): AnyMessage => packAny(TypeUrls.Cluster, { name: BLACKHOLE, type: 'STATIC', connect_timeout: { seconds: 1 } });
const virtualOutbound = (cluster: string): AnyMessage => rawListener('virtualOutbound', 15001, [{ filters: [tcpProxyFilter(cluster)] }], { use_original_dst: { value: true } });
/** Istio's TCP service listener `<VIP>_<port>` (`bind_to_port: false`): one chain matching the VIP by prefix_ranges. */
function tcpServiceListener(address: string, port: number): AnyMessage {
  return packAny(TypeUrls.Listener, {
    name: `${address}_${port}`,
    address: { socket_address: { address, port_value: port } },
    filter_chains: [{ filter_chain_match: { prefix_ranges: [{ address_prefix: address, prefix_len: { value: 32 } }] }, filters: [tcpProxyFilter(DB)] }],
    bind_to_port: { value: false },
  });
}

/** Connects to the sidecar's outbound port, sends `text` (then half-closes unless `keepOpen`), resolves with all it got back. */
function exchange(port: number, text: string, keepOpen = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => (keepOpen ? s.write(text) : s.end(text)));
    let data = '';
    s.setTimeout(5000, () => s.destroy(new Error('no answer in 5 s')));
    s.on('data', (c: Buffer) => (data += c.toString()));
    s.on('end', () => s.end());
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

/** A raw HTTP/1.1 request on its own connection; resolves with status line and body. */
function rawHttp(port: number, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  // `connection: close`: the sidecar closes once it has answered.
  return exchange(port, `GET /x HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n${extra}\r\n`, true).then((raw) => {
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1] ?? 0), body };
  });
}

describe('transparent outbound: use_original_dst hand-off and ORIGINAL_DST clusters', () => {
  const h = new SidecarHarness();
  const dst = new FakeOriginalDestinations();
  let db: net.Server;
  let other: net.Server;
  let web: TestUpstream;
  let dbPort = 0;
  let otherPort = 0;

  const listeners = (catchAll: string) => [
    tcpServiceListener(VIP, 3306),
    rawListener(`0.0.0.0_${web.port}`, web.port, [{ filters: [hcmFilter(String(web.port))] }], { bind_to_port: { value: false } }),
    virtualOutbound(catchAll),
  ];
  const routes = () => [
    rawRouteConfiguration(String(web.port), [
      { name: 'web', domains: ['web', `web:${web.port}`], routes: [{ match: { prefix: '/' }, route: { cluster: WEB } }] },
      { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: PASSTHROUGH } }] },
    ]),
  ];

  beforeAll(async () => {
    const echo = (name: string) =>
      net.createServer({ allowHalfOpen: true }, (s) => {
        let got = '';
        s.on('data', (c: Buffer) => (got += c.toString()));
        s.on('end', () => s.end(`${name} got: ${got}`));
      });
    db = echo('db');
    other = echo('other');
    await new Promise<void>((r) => db.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    dbPort = (db.address() as net.AddressInfo).port;
    otherPort = (other.address() as net.AddressInfo).port;
    web = await startTestUpstream('web');
    await h.start(
      {
        clusters: [inboundCluster(DB, dbPort), inboundCluster(WEB, web.port), originalDstCluster(PASSTHROUGH), blackHole()],
        endpoints: [],
        listeners: listeners(PASSTHROUGH),
        routes: routes(),
      },
      { originalDestinations: dst },
    );
  });
  afterAll(async () => {
    await h.stop();
    await web.close();
    await new Promise((r) => db.close(r));
    await new Promise((r) => other.close(r));
  });

  it('hands a redirected connection to the TCP service listener at its original destination (VIP:port, prefix_ranges)', async () => {
    dst.next = { address: VIP, port: 3306 };
    expect(await exchange(h.port, 'SELECT 1')).toBe('db got: SELECT 1');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.direction === 'outbound' && i.cluster === DB));
    expect(h.stat(`listener.${VIP}_3306.downstream_cx_total`)).toBe(1);
  });

  it('keeps a connection to an address no listener has and relays it to its original destination (PassthroughCluster)', async () => {
    dst.next = { address: '127.0.0.1', port: otherPort };
    expect(await exchange(h.port, 'hello')).toBe('other got: hello');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.cluster === PASSTHROUGH && i.upstreamHost === `127.0.0.1:${otherPort}`));
    expect(h.stat('listener.virtualOutbound.downstream_cx_total')).toBe(1);
  });

  it('hands redirected HTTP to the 0.0.0.0_<port> listener: known hosts by route, unknown ones to the original destination', async () => {
    dst.next = { address: '10.1.2.3', port: web.port };
    const known = await rawHttp(h.port, 'web');
    expect(known.status).toBe(200);
    expect(h.seen.at(-1)).toMatchObject({ cluster: WEB, status: 200 });
    dst.next = { address: '127.0.0.1', port: web.port };
    const unknown = await rawHttp(h.port, 'example.org');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toContain('"server":"web"');
    expect(unknown.body).toContain('"host":"example.org"');
    expect(h.seen.at(-1)).toMatchObject({ cluster: PASSTHROUGH, upstreamHost: `127.0.0.1:${web.port}`, status: 200 });
  });

  it('answers 503 UH for PassthroughCluster on a connection that was not redirected (no original destination, as Envoy)', async () => {
    const res = await rawHttp(h.port, `example.org:${web.port}`);
    expect(res.status).toBe(503);
    expect(h.seen.at(-1)).toMatchObject({ cluster: PASSTHROUGH, status: 503, responseFlags: ['UH'] });
    // ... while known hosts on an unredirected connection still route by Host header (local mode).
    expect((await rawHttp(h.port, `web:${web.port}`)).status).toBe(200);
  });

  it('takes the host from x-envoy-original-dst-host only with use_http_header', async () => {
    const header = { 'x-envoy-original-dst-host': `127.0.0.1:${web.port}` };
    expect((await rawHttp(h.port, `example.org:${web.port}`, header)).status).toBe(503);
    await h.apply({ clusters: [inboundCluster(DB, dbPort), inboundCluster(WEB, web.port), originalDstCluster(PASSTHROUGH, { original_dst_lb_config: { use_http_header: true } }), blackHole()] });
    expect((await rawHttp(h.port, `example.org:${web.port}`, header)).status).toBe(200);
    expect(h.seen.at(-1)).toMatchObject({ cluster: PASSTHROUGH, upstreamHost: `127.0.0.1:${web.port}` });
    // Not an IP literal with a port: no host.
    expect((await rawHttp(h.port, `example.org:${web.port}`, { 'x-envoy-original-dst-host': 'localhost:80' })).status).toBe(503);
    await h.apply({ clusters: [inboundCluster(DB, dbPort), inboundCluster(WEB, web.port), originalDstCluster(PASSTHROUGH), blackHole()] });
  });

  it('closes connections to unknown addresses under REGISTRY_ONLY (BlackHoleCluster)', async () => {
    await h.apply({ listeners: listeners(BLACKHOLE) });
    dst.next = { address: '127.0.0.1', port: otherPort };
    expect(await exchange(h.port, 'hello')).toBe('');
    await h.until(() => h.seen.some((i) => i.protocol === 'tcp' && i.cluster === BLACKHOLE && i.responseFlags.includes('UH')));
    // The TCP service still works.
    dst.next = { address: VIP, port: 3306 };
    expect(await exchange(h.port, 'x')).toBe('db got: x');
    await h.apply({ listeners: listeners(PASSTHROUGH) });
  });

  it('closes idle upstream connections to ORIGINAL_DST hosts within the cleanup interval (5 s)', async () => {
    const open = new Set<net.Socket>();
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('kept'));
    server.on('connection', (c: net.Socket) => {
      open.add(c);
      c.on('close', () => open.delete(c));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      dst.next = { address: '127.0.0.1', port };
      await h.apply({ listeners: [...listeners(PASSTHROUGH), rawListener(`0.0.0.0_${port}`, port, [{ filters: [hcmFilter(String(web.port))] }])] });
      expect((await rawHttp(h.port, 'example.org')).body).toContain('kept');
      expect(open.size).toBe(1);
      const t0 = Date.now();
      await h.until(() => open.size === 0, 8000);
      expect(Date.now() - t0).toBeLessThan(7000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await h.apply({ listeners: listeners(PASSTHROUGH) });
    }
  }, 15_000);

  it('without a use_original_dst listener, reads no original destination and routes by Host header', async () => {
    await h.apply({ listeners: listeners(PASSTHROUGH).slice(0, 2) });
    const before = dst.reads;
    dst.next = { address: VIP, port: 3306 };
    expect((await rawHttp(h.port, `web:${web.port}`)).status).toBe(200);
    expect(dst.reads).toBe(before);
    dst.next = undefined;
    await h.apply({ listeners: listeners(PASSTHROUGH) });
  });
});
