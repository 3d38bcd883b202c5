/**
 * Sidecar mTLS benchmark (issue 6 part 4): what in-mesh mutual TLS costs with the sidecar's own
 * code — the server side (`InboundTransport`: TLS termination with the agent's SDS secrets,
 * client-certificate verification, principal extraction) and the client side
 * (`connectUpstreamTls`: client certificate, server SAN check) — against plaintext TCP measured in
 * the same run: (1) new connections per second (a full mTLS handshake each, RSA-2048 keys as
 * Citadel issues them, vs a TCP connect), (2) 1 KiB request/response round trips per second on one
 * established connection. Run by hand from the repository root: `node bench/mtls-bench.cjs [--seconds 3]`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1] || 3);
const SRC = path.resolve(__dirname, '..', 'packages', 'sidecar', 'src');

interface Material {
  identity: string;
  certChainPem: string[];
  keyPem: string;
  rootCertPem: string;
}
interface Modules {
  TlsSecrets: new (source: unknown) => { close(): void };
  fixedIdentity(m: Material): unknown;
  InboundTransport: new (secrets: unknown, onStat: (s: string) => void) => { take(listener: unknown, socket: net.Socket, deliver: (s: net.Socket, conn: unknown, chain: unknown) => void): boolean };
  connectUpstreamTls(endpoint: { address: string; port: number }, t: unknown, secrets: unknown): net.Socket;
}

/* eslint-disable @typescript-eslint/no-require-imports -- the sources are loaded at run time by the launcher */
const mods: Modules = {
  ...(require(path.join(SRC, 'security', 'tls', 'tls-secrets.ts')) as object),
  ...(require(path.join(SRC, 'security', 'tls', 'identity-source.ts')) as object),
  ...(require(path.join(SRC, 'security', 'tls', 'inbound-transport.ts')) as object),
  ...(require(path.join(SRC, 'security', 'tls', 'upstream-tls.ts')) as object),
} as Modules;
/* eslint-enable @typescript-eslint/no-require-imports */

function pki(): { server: Material; client: Material; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtls-bench-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/O=cluster.local/CN=root');
  const issue = (sa: string): Material => {
    const id = `spiffe://cluster.local/ns/bench/sa/${sa}`;
    fs.writeFileSync(f(`${sa}.ext`), `subjectAltName=URI:${id}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${sa}.key`), '-out', f(`${sa}.csr`), '-subj', '/O=cluster.local');
    openssl('x509', '-req', '-in', f(`${sa}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${sa}.crt`), '-days', '1', '-extfile', f(`${sa}.ext`));
    return { identity: id, certChainPem: [fs.readFileSync(f(`${sa}.crt`), 'utf8')], keyPem: fs.readFileSync(f(`${sa}.key`), 'utf8'), rootCertPem: fs.readFileSync(f('ca.crt'), 'utf8') };
  };
  return { server: issue('server'), client: issue('client'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const ISTIO_MUTUAL = {
  certificate: { kind: 'sds', name: 'default' },
  validation: { kind: 'sds', name: 'ROOTCA' },
  matchSubjectAltNames: [{ kind: 'exact', value: 'spiffe://cluster.local/ns/bench/sa/server', ignoreCase: false }],
  sni: 'outbound_.80_._.server.bench.svc.cluster.local',
  alpn: ['istio'],
};

async function main(): Promise<void> {
  const certs = pki();
  const serverSecrets = new mods.TlsSecrets(mods.fixedIdentity(certs.server));
  const clientSecrets = new mods.TlsSecrets(mods.fixedIdentity(certs.client));
  const transport = new mods.InboundTransport(serverSecrets, () => undefined);
  const strict = { name: 'virtualInbound', address: '0.0.0.0', port: 0, filterChains: [{ tls: { certChain: '', privateKey: '', requireClientCertificate: true, alpn: ['h2', 'http/1.1'], sds: { certificate: 'default', validation: 'ROOTCA' } } }] };
  const echo = (s: net.Socket) => {
    s.on('data', (d: Buffer) => s.write(d));
    s.on('error', () => undefined);
    s.on('end', () => s.end());
  };
  const tlsServer = net.createServer((s) => void transport.take(strict, s, (secured) => echo(secured)));
  const plainServer = net.createServer((s) => echo(s));
  await Promise.all([tlsServer, plainServer].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))));
  const tlsPort = (tlsServer.address() as net.AddressInfo).port;
  const plainPort = (plainServer.address() as net.AddressInfo).port;
  const connectTls = () => mods.connectUpstreamTls({ address: '127.0.0.1', port: tlsPort }, ISTIO_MUTUAL, clientSecrets);
  const connectPlain = () => net.connect(plainPort, '127.0.0.1');
  const ready = (s: net.Socket, event: string) =>
    new Promise<net.Socket>((resolve, reject) => {
      s.once(event, () => resolve(s));
      s.once('error', reject);
    });

  const connections = async (connect: () => net.Socket, event: string): Promise<number> => {
    let n = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      const s = await ready(connect(), event);
      s.destroy();
      n++;
    }
    return n / SECONDS;
  };
  const roundTrips = async (s: net.Socket): Promise<number> => {
    const payload = Buffer.alloc(1024, 97);
    let n = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      await new Promise<void>((resolve) => {
        let got = 0;
        const onData = (d: Buffer) => {
          got += d.length;
          if (got >= payload.length) {
            s.off('data', onData);
            resolve();
          }
        };
        s.on('data', onData);
        s.write(payload);
      });
      n++;
    }
    s.destroy();
    return n / SECONDS;
  };

  await connections(connectTls, 'secureConnect'); // warm-up
  const plainCx = await connections(connectPlain, 'connect');
  const tlsCx = await connections(connectTls, 'secureConnect');
  const plainRt = await roundTrips(await ready(connectPlain(), 'connect'));
  const tlsRt = await roundTrips(await ready(connectTls(), 'secureConnect'));
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}; ${SECONDS} s per figure\n`);
  process.stdout.write(`new connections/s   plaintext ${fmt(plainCx)}   mTLS (RSA-2048, full handshake) ${fmt(tlsCx)}   ratio ${(tlsCx / plainCx).toFixed(3)}  (${(1000 / tlsCx).toFixed(2)} ms per mTLS connection)\n`);
  process.stdout.write(`1 KiB round trips/s plaintext ${fmt(plainRt)}   mTLS ${fmt(tlsRt)}   ratio ${(tlsRt / plainRt).toFixed(3)}\n`);
  serverSecrets.close();
  clientSecrets.close();
  await Promise.all([tlsServer, plainServer].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  certs.cleanup();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
