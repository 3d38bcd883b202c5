import net from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { OriginalDestinationReader, parseSockaddr } from './original-destination.js';

/** Accepts one connection on `host` and resolves with the server side of it. */
async function acceptOne(host: string): Promise<{ socket: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, host);
  client.on('error', () => undefined);
  const socket = await accepted;
  return {
    socket,
    close: async () => {
      socket.destroy();
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), lines };
}

describe('OriginalDestinationReader', () => {
  it('gives a connection that was not redirected its local address (real getsockopt through koffi)', async () => {
    const conn = await acceptOne('127.0.0.1');
    try {
      const reader = new OriginalDestinationReader(silentLogger());
      const dst = reader.read(conn.socket);
      expect(reader.unavailableReason).toBeUndefined();
      expect(dst).toEqual({ address: '127.0.0.1', port: conn.socket.localPort, restored: false });
    } finally {
      await conn.close();
    }
  });

  it('gives a plain IPv6 connection its local address too (SOL_IPV6)', async () => {
    const conn = await acceptOne('::1');
    try {
      const calls: number[] = [];
      const reader = new OriginalDestinationReader(silentLogger(), () => (_fd, level, _name, _value, length) => {
        calls.push(level, length[0]!);
        return -1;
      });
      expect(reader.read(conn.socket)).toEqual({ address: '::1', port: conn.socket.localPort, restored: false });
      expect(calls).toEqual([41, 28]);
      expect(new OriginalDestinationReader(silentLogger()).read(conn.socket)).toEqual({ address: '::1', port: conn.socket.localPort, restored: false });
    } finally {
      await conn.close();
    }
  });

  it('uses SOL_IP for IPv4 and reads the kernel answer as the original destination', async () => {
    const conn = await acceptOne('127.0.0.1');
    try {
      const calls: Array<{ level: number; name: number; size: number }> = [];
      const reader = new OriginalDestinationReader(silentLogger(), () => (_fd, level, name, value, length) => {
        calls.push({ level, name, size: length[0]! });
        value.writeUInt16LE(2, 0);
        value.writeUInt16BE(8080, 2);
        Buffer.from([10, 96, 0, 7]).copy(value, 4);
        return 0;
      });
      expect(reader.read(conn.socket)).toEqual({ address: '10.96.0.7', port: 8080, restored: true });
      expect(calls).toEqual([{ level: 0, name: 80, size: 16 }]);
    } finally {
      await conn.close();
    }
  });

  it('falls back to the local address when getsockopt fails (no conntrack entry)', async () => {
    const conn = await acceptOne('127.0.0.1');
    try {
      const reader = new OriginalDestinationReader(silentLogger(), () => () => -1);
      expect(reader.read(conn.socket)).toEqual({ address: '127.0.0.1', port: conn.socket.localPort, restored: false });
    } finally {
      await conn.close();
    }
  });

  it('says once in the log why it cannot read original destinations, then answers local addresses', async () => {
    const conn = await acceptOne('127.0.0.1');
    try {
      const { logger, lines } = capturingLogger();
      let loads = 0;
      const reader = new OriginalDestinationReader(logger, () => {
        loads++;
        throw new Error('no koffi here');
      });
      expect(reader.read(conn.socket)).toMatchObject({ address: '127.0.0.1', restored: false });
      expect(reader.read(conn.socket)).toMatchObject({ address: '127.0.0.1', restored: false });
      expect(loads).toBe(1);
      expect(reader.unavailableReason).toContain('no koffi here');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('original destinations of redirected connections cannot be read');
    } finally {
      await conn.close();
    }
  });

  it('never loads koffi off Linux', async () => {
    const conn = await acceptOne('127.0.0.1');
    try {
      const reader = new OriginalDestinationReader(silentLogger(), () => {
        throw new Error('must not be called');
      }, 'darwin');
      expect(reader.read(conn.socket)).toMatchObject({ address: '127.0.0.1', restored: false });
      expect(reader.unavailableReason).toContain('Linux only');
    } finally {
      await conn.close();
    }
  });
});

describe('parseSockaddr', () => {
  it('reads sockaddr_in', () => {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(2, 0);
    b.writeUInt16BE(443, 2);
    Buffer.from([192, 168, 1, 20]).copy(b, 4);
    expect(parseSockaddr(b)).toEqual({ address: '192.168.1.20', port: 443 });
  });

  it.each([
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:1:0:0:0:0', '2001:db8:0:1::'],
    ['0:0:0:0:0:ffff:a00:1', '10.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
  ])('reads sockaddr_in6 %s as %s', (full, text) => {
    const b = Buffer.alloc(28);
    b.writeUInt16LE(10, 0);
    b.writeUInt16BE(9000, 2);
    full.split(':').forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 8 + 2 * i));
    expect(parseSockaddr(b)).toEqual({ address: text, port: 9000 });
  });

  it('refuses other families', () => {
    expect(parseSockaddr(Buffer.alloc(16))).toBeUndefined();
  });
});
