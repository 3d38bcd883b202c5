import net from 'node:net';
import tls from 'node:tls';
import type { ClientHelloResult } from './tls-inspector.js';
import { readClientHello } from './tls-inspector.js';

/** Captures the first bytes a real TLS client sends. */
async function clientHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  let got = Buffer.alloc(0);
  const server = net.createServer((s) => {
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      s.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => {
    const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    c.on('error', () => resolve());
    c.on('close', () => resolve());
  });
  server.close();
  return got;
}

describe('readClientHello', () => {
  it('reads SNI and ALPN from a real ClientHello', async () => {
    const hello = await clientHello({ servername: 'Shop.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
    expect(readClientHello(hello)).toEqual<ClientHelloResult>({ kind: 'tls', serverName: 'shop.example.com', alpn: ['h2', 'http/1.1'] });
  });

  it('asks for more bytes while the hello is incomplete, and says not-tls for plaintext', async () => {
    const hello = await clientHello({ servername: 'a.b' });
    expect(readClientHello(hello.subarray(0, 20))).toEqual({ kind: 'need-more' });
    expect(readClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ kind: 'not-tls' });
    expect(readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 0, 0]))).toEqual({ kind: 'tls', alpn: [] });
  });
});
