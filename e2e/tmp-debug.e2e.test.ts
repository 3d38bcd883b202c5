import fs from 'node:fs';
import net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { startTestCitadel } from '@mesh/citadel/testing';
import { silentLogger } from '@mesh/runtime/testing';
import { CertificateAgent, TlsSecrets, fixedIdentity } from '@mesh/sidecar';
import { terminateTls } from '../packages/sidecar/src/security/tls/inbound-tls';

it('debug', async () => {
  const logger = silentLogger();
  const citadel = await startTestCitadel({ logger });
  const mk = async (sa: string) => { const a = new CertificateAgent({ citadelAddress: citadel.address, rootCertPem: citadel.rootCertPem, token: await citadel.issueToken('default', sa), trustDomain: 'cluster.local', namespace: 'default', serviceAccount: sa, logger }); const c = await a.start(); await a.stop(); return c; };
  const srv = await mk('srv'); const cli = await mk('cli');
  process.stderr.write(`chain length ${srv.certChainPem.length}\n`);
  fs.writeFileSync('/tmp/dbg-cli.crt', cli.certChainPem.join('\n')); fs.writeFileSync('/tmp/dbg-cli.key', cli.keyPem); fs.writeFileSync('/tmp/dbg-root.crt', citadel.rootCertPem);
  fs.writeFileSync('/tmp/dbg-leaf.crt', cli.certChainPem[0]!);
  process.stderr.write(execFileSync('openssl', ['verify', '-CAfile', '/tmp/dbg-root.crt', '/tmp/dbg-leaf.crt'], { encoding: 'utf8' }));
  const secrets = new TlsSecrets(fixedIdentity(srv));
  const server = net.createServer((s) => terminateTls(s, Buffer.alloc(0), { certChain: '', privateKey: '', requireClientCertificate: true, alpn: ['h2', 'http/1.1'], sds: { certificate: 'default', validation: 'ROOTCA' } }, secrets, (o) => {
    process.stderr.write(`outcome ${JSON.stringify(o.ok ? { principal: o.conn.principal } : o)}\n`);
    if (o.ok) o.conn.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const out = await new Promise<string>((resolve) => { const c = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', '-no_ign_eof', '-CAfile', '/tmp/dbg-root.crt', '-cert', '/tmp/dbg-cli.crt', '-key', '/tmp/dbg-cli.key'], { timeout: 10000 }, (_e, so, se) => resolve(so + se)); c.stdin?.end('GET / HTTP/1.1\r\n\r\n'); });
  process.stderr.write(out);
  server.close(); secrets.close(); await citadel.cleanup();
});
