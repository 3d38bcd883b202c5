import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Where Debian's nats-server package installs the binary; PATH is searched first. */
const CANDIDATES = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** Finds the nats-server binary, or undefined. */
export function findNatsServerBinary(): string | undefined {
  for (const c of CANDIDATES) {
    if (c.includes('/')) {
      if (fs.existsSync(c)) return c;
      continue;
    }
    for (const dir of (process.env['PATH'] ?? '').split(':')) {
      const p = path.join(dir, c);
      if (dir && fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server another process will bind. Ports are picked at random
 * below Linux's ephemeral range (32768+), which outgoing connections draw from: a port the OS hands
 * out for `listen(0)` can be taken by some client's connection before the server binds it.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await tryListen(20000 + Math.floor(Math.random() * 12000));
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** A nats-server child process with JetStream, on its own port and store directory. */
export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly ownsStoreDir: boolean,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts `nats-server -js` on `port` (a free one when 0) and waits until it accepts connections.
   * A given `storeDir` survives restarts (for fault tests); otherwise a temporary one is used.
   */
  static async start(opts: { port?: number; storeDir?: string; readyTimeoutMs?: number } = {}): Promise<NatsServerProcess> {
    const bin = findNatsServerBinary();
    if (!bin) throw new Error('nats-server not found: install it (Debian: apt-get install -y nats-server)');
    const port = opts.port || (await freePort());
    const storeDir = opts.storeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-nats-'));
    const server = new NatsServerProcess(port, storeDir, opts.storeDir === undefined);
    await server.spawn(bin, opts.readyTimeoutMs ?? 10000);
    return server;
  }

  private async spawn(bin: string, readyTimeoutMs: number): Promise<void> {
    const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${stderr.trim()}`);
      if (await isPortOpen('127.0.0.1', this.port, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`nats-server did not listen on ${this.port} within ${readyTimeoutMs} ms`);
  }

  /** Restarts on the same port and store (JetStream state survives). */
  async restart(): Promise<void> {
    await this.stop({ keepStore: true });
    const bin = findNatsServerBinary();
    if (!bin) throw new Error('nats-server not found');
    await this.spawn(bin, 10000);
  }

  /** Stops the server; removes a temporary store unless `keepStore`. Idempotent. */
  async stop(opts: { keepStore?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (!opts.keepStore && this.ownsStoreDir) fs.rmSync(this.storeDir, { recursive: true, force: true });
  }
}
