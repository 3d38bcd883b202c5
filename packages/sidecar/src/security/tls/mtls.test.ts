import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { ClusterModel, FilterChainModel, ListenerModel } from '../../routing/model.js';
import type { UpstreamTlsModel } from '../../routing/tls-model.js';
import { makeTestPki } from '../../testing/test-certs.js';
import type { TestPki } from '../../testing/test-certs.js';
import type { ConnInfo } from '../../proxy/downstream.js';
import { UpstreamPool } from '../../proxy/upstream-pool.js';
import type { WorkloadIdentitySource, WorkloadKeyMaterial } from './identity-source.js';
import { fixedIdentity } from './identity-source.js';
import { InboundTransport } from './inbound-transport.js';
import type { InboundTransportStat } from './inbound-transport.js';
import { principalOf, subjectAltNames } from './peer-identity.js';
import { TlsSecrets } from './tls-secrets.js';
import { connectUpstreamTls, upstreamTlsFor, upstreamTlsSignature } from './upstream-tls.js';

/** A rotating identity, as the certificate agent is. */
class RotatingIdentity implements WorkloadIdentitySource {
  private readonly listeners = new Set<(m: WorkloadKeyMaterial) => void>();
  constructor(private material: WorkloadKeyMaterial) {}
  current(): WorkloadKeyMaterial {
    return this.material;
  }
  onRotate(l: (m: WorkloadKeyMaterial) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  rotate(m: WorkloadKeyMaterial): void {
    this.material = m;
    for (const l of this.listeners) l(m);
  }
}

const chain = (sds: boolean, extra: Partial<FilterChainModel> = {}): FilterChainModel => ({
  tls: { certChain: '', privateKey: '', requireClientCertificate: true, alpn: ['h2', 'http/1.1'], ...(sds ? { sds: { certificate: 'default', validation: 'ROOTCA' } } : {}) },
  ...extra,
});

const ISTIO_MUTUAL: UpstreamTlsModel = {
  certificate: { kind: 'sds', name: 'default' },
  validation: { kind: 'sds', name: 'ROOTCA' },
  matchSubjectAltNames: [{ kind: 'exact', value: 'spiffe://cluster.local/ns/foo/sa/httpbin', ignoreCase: false }],
  sni: 'outbound_.80_._.httpbin.foo.svc.cluster.local',
  alpn: ['istio'],
};

describe('mutual TLS between sidecars (security/tls)', () => {
  let pki: TestPki;
  let other: TestPki;
  let server: net.Server;
  let port: number;
  let listener: ListenerModel;
  const delivered: Array<{ conn: ConnInfo; chain: FilterChainModel; socket: net.Socket | tls.TLSSocket }> = [];
  const stats: InboundTransportStat[] = [];
  const raw = new Set<net.Socket>();
  let serverIdentity: RotatingIdentity;
  let secrets: TlsSecrets;
  const material = (p: TestPki, sa: string): WorkloadKeyMaterial => {
    const c = p.issue(sa, [`URI:spiffe://cluster.local/ns/foo/sa/${sa}`]);
    return { identity: `spiffe://cluster.local/ns/foo/sa/${sa}`, certChainPem: [c.cert], keyPem: c.key, rootCertPem: p.caCert };
  };

  beforeAll(async () => {
    pki = makeTestPki();
    other = makeTestPki();
    serverIdentity = new RotatingIdentity(material(pki, 'httpbin'));
    secrets = new TlsSecrets(serverIdentity);
    const transport = new InboundTransport(secrets, (s) => stats.push(s), 2000);
    server = net.createServer({ allowHalfOpen: true }, (socket) => {
      raw.add(socket);
      socket.once('close', () => raw.delete(socket));
      const taken = transport.take(listener, socket, (s, conn, c) => {
        delivered.push({ conn, chain: c, socket: s });
        s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
        s.on('error', () => undefined);
      });
      if (!taken) socket.end('not-taken');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    secrets.close();
    for (const d of delivered) d.socket.destroy();
    for (const r of raw) r.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    pki.cleanup();
    other.cleanup();
  });

  beforeEach(() => {
    delivered.length = 0;
    stats.length = 0;
  });

  /** Connects as a mesh client with `identity` (or none) and exchanges one line; resolves with the reply or the error. */
  function meshClient(identity: WorkloadKeyMaterial | undefined, alpn = ['istio']): Promise<string> {
    return new Promise((resolve) => {
      const c = tls.connect({
        host: '127.0.0.1',
        port,
        ca: pki.caCert,
        ...(identity ? { cert: identity.certChainPem.join('\n'), key: identity.keyPem } : {}),
        ALPNProtocols: alpn,
        checkServerIdentity: () => undefined,
      });
      let got = '';
      c.on('secureConnect', () => c.write('hi'));
      c.on('data', (d: Buffer) => {
        got += d.toString();
        c.end();
      });
      c.on('error', (err) => resolve(`error:${err.message}`));
      c.on('close', () => resolve(got || 'closed'));
    });
  }

  function plainClient(): Promise<string> {
    return new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\n\r\n'));
      let got = '';
      c.on('data', (d: Buffer) => {
        got += d.toString();
        c.destroy();
      });
      c.on('error', (err) => resolve(`error:${err.message}`));
      c.on('close', () => resolve(got || 'closed'));
    });
  }

  it('STRICT: terminates mTLS with the agent certificate and puts the client principal in ConnInfo', async () => {
    listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [chain(true)] };
    expect(await meshClient(material(pki, 'sleep'))).toBe('echo:hi');
    expect(delivered[0]!.conn).toMatchObject({ encrypted: true, peerPrincipal: 'cluster.local/ns/foo/sa/sleep', peerCertificate: { uriSans: ['spiffe://cluster.local/ns/foo/sa/sleep'] } });
    expect(stats).toEqual(['ssl.handshake']);
  });

  it.each([
    ['no client certificate', () => undefined, 'ssl.fail_verify_no_cert'],
    ['a certificate from another CA', () => material(other, 'sleep'), 'ssl.fail_verify_error'],
  ])('STRICT: refuses a client with %s', async (_what, identity, stat) => {
    listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [chain(true)] };
    const reply = await meshClient(identity());
    expect(reply).not.toMatch(/echo/);
    expect(delivered).toEqual([]);
    expect(stats).toEqual([stat]);
  });

  it('STRICT: refuses plaintext', async () => {
    listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [chain(true)] };
    expect(await plainClient()).not.toMatch(/echo/);
    expect(delivered).toEqual([]);
  });

  it('PERMISSIVE: mTLS (ALPN istio) and plaintext share the port, chosen by the TLS inspector', async () => {
    listener = {
      name: 'virtualInbound',
      address: '0.0.0.0',
      port: 15006,
      tlsInspector: true,
      filterChains: [chain(true, { match: { applicationProtocols: ['istio'] } }), {}],
    };
    expect(await meshClient(material(pki, 'sleep'))).toBe('echo:hi');
    expect(await plainClient()).toBe('echo:GET / HTTP/1.1\r\n\r\n');
    expect(delivered.map((d) => [d.conn.encrypted, d.conn.peerPrincipal ?? null])).toEqual([
      [true, 'cluster.local/ns/foo/sa/sleep'],
      [false, null],
    ]);
  });

  it('leaves ports without a TLS chain alone', async () => {
    listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [{}] };
    expect(await plainClient()).toBe('not-taken');
  });

  it('hot-swaps the certificate on rotation: new handshakes get the new one, open connections stay up', async () => {
    listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [chain(true)] };
    const serialOf = (): Promise<{ serial: string; socket: tls.TLSSocket }> =>
      new Promise((resolve, reject) => {
        const id = material(pki, 'sleep');
        const c = tls.connect({ host: '127.0.0.1', port, ca: pki.caCert, cert: id.certChainPem[0], key: id.keyPem, checkServerIdentity: () => undefined }, () => resolve({ serial: c.getPeerCertificate().serialNumber, socket: c }));
        c.on('error', reject);
      });
    const first = await serialOf();
    serverIdentity.rotate(material(pki, 'httpbin'));
    expect(secrets.rotations).toBe(1);
    const second = await serialOf();
    expect(second.serial).not.toBe(first.serial);
    const echoed = await new Promise<string>((resolve) => {
      first.socket.once('data', (d: Buffer) => resolve(d.toString()));
      first.socket.write('still-there');
    });
    expect(echoed).toBe('echo:still-there');
    first.socket.destroy();
    second.socket.destroy();
  });

  describe('upstream (client side)', () => {
    it('verifies the server SPIFFE identity against the expected SANs (ISTIO_MUTUAL)', async () => {
      listener = { name: 'virtualInbound', address: '0.0.0.0', port: 15006, filterChains: [chain(true)] };
      const client = new TlsSecrets(fixedIdentity(material(pki, 'sleep')));
      const ok = connectUpstreamTls({ address: '127.0.0.1', port }, ISTIO_MUTUAL, client);
      await new Promise<void>((resolve, reject) => {
        ok.once('secureConnect', () => resolve());
        ok.once('error', reject);
      });
      expect(ok.alpnProtocol).toBe('istio');
      ok.destroy();
      const wrong = connectUpstreamTls({ address: '127.0.0.1', port }, { ...ISTIO_MUTUAL, matchSubjectAltNames: [{ kind: 'exact', value: 'spiffe://cluster.local/ns/foo/sa/other', ignoreCase: false }] }, client);
      const err = await new Promise<Error>((resolve) => wrong.once('error', resolve));
      expect(err.message).toMatch(/match none of the expected identities/);
      client.close();
    });

    it('speaks HTTP/2 over mTLS from the upstream pool (ALPN istio + h2), presenting the workload certificate', async () => {
      const srvId = material(pki, 'httpbin');
      const h2server = http2.createSecureServer({ cert: srvId.certChainPem[0], key: srvId.keyPem, ca: pki.caCert, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (req, res) => {
        const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
        res.end(subjectAltNames(peer.subjectaltname).uri.join(','));
      });
      await new Promise<void>((r) => h2server.listen(0, '127.0.0.1', () => r()));
      const h2port = (h2server.address() as net.AddressInfo).port;
      const pool = new UpstreamPool(undefined, new TlsSecrets(fixedIdentity(material(pki, 'sleep'))));
      const cluster: ClusterModel = { name: 'h2', type: 'EDS', connectTimeoutMs: 5000, http: { protocol: 'http2', idleTimeoutMs: 60_000 }, transport: { tls: ISTIO_MUTUAL } };
      const body = await new Promise<string>((resolve, reject) => {
        const ticket = pool.acquire(cluster, { address: '127.0.0.1', port: h2port }, 'DEFAULT', 'http2', (c) => {
          if (c.protocol !== 'http2') return reject(new Error('expected http2'));
          const stream = c.session.request({ ':path': '/', ':method': 'GET' });
          let got = '';
          stream.on('data', (d: Buffer) => (got += d.toString()));
          stream.on('end', () => resolve(got));
          stream.on('error', reject);
        });
        if (typeof ticket === 'string') reject(new Error(ticket));
      });
      expect(body).toBe('spiffe://cluster.local/ns/foo/sa/sleep');
      pool.destroy();
      await new Promise<void>((r) => h2server.close(() => r()));
    });

    it('throws while the agent has no certificate (the request fails as a connect failure)', () => {
      expect(() => connectUpstreamTls({ address: '127.0.0.1', port }, ISTIO_MUTUAL, new TlsSecrets(undefined))).toThrow(/no certificate yet/);
    });

    it('chooses the transport by the endpoint tlsMode metadata (auto mTLS)', () => {
      const cluster: ClusterModel = { name: 'c', type: 'EDS', connectTimeoutMs: 1000, transport: { matches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, tls: ISTIO_MUTUAL }, { name: 'tlsMode-disabled', match: {} }] } };
      expect(upstreamTlsFor(cluster, { address: '10.0.0.1', port: 80, transportMatch: { tlsMode: 'istio' } })).toBe(ISTIO_MUTUAL);
      expect(upstreamTlsFor(cluster, { address: '10.0.0.2', port: 80 })).toBeUndefined();
      expect(upstreamTlsSignature({ ...ISTIO_MUTUAL })).toBe(upstreamTlsSignature(ISTIO_MUTUAL));
      expect(upstreamTlsSignature(undefined)).toBe('plaintext');
    });
  });

  it.each([
    ['URI:spiffe://cluster.local/ns/default/sa/sleep, DNS:x.example.com', ['spiffe://cluster.local/ns/default/sa/sleep'], 'cluster.local/ns/default/sa/sleep'],
    ['DNS:x.example.com', [], undefined],
  ])('reads the principal from %s', (text, uris, principal) => {
    expect(subjectAltNames(text).uri).toEqual(uris);
    expect(principalOf(uris)).toBe(principal);
  });
});
