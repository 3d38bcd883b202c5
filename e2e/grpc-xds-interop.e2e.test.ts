import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ConfigBucketWriter } from '@mesh/pilot/testing';
import { freePort, NatsServerProcess } from '@mesh/runtime/testing';

const HOST = 'greeter.default.svc.cluster.local';
const PORT = 50051;
const APP = path.join(__dirname, 'fixtures', 'grpc-xds-app.cjs');

/** A child process answering one JSON line per line written to it. */
class LineProcess {
  private readonly pending: ((line: string) => void)[] = [];
  private readonly buffered: string[] = [];
  log = '';

  constructor(readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter) waiter(line);
      else this.buffered.push(line);
    });
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  /** The next line the process prints (or one it already printed). */
  next(timeoutMs = 20000): Promise<string> {
    const line = this.buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms; stderr:\n${this.log}`)), timeoutMs);
      this.pending.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

const app = (args: string[], env: NodeJS.ProcessEnv = {}): LineProcess => new LineProcess(spawn(process.execPath, [APP, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }));

const routeTo = (weights: Record<string, number>): object => ({
  hosts: [HOST],
  http: [{ route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host: HOST, subset }, weight })) }],
});

describe('proxyless gRPC (@grpc/grpc-js-xds) through Pilot', () => {
  let nats: NatsServerProcess;
  let config: ConfigBucketWriter;
  let pilot: LineProcess;
  let pilotLog = '';
  const backends: LineProcess[] = [];
  let client: LineProcess;

  /** Makes `n` calls from the client; counts the answering versions. */
  const calls = async (n: number): Promise<Record<string, number>> => {
    client.child.stdin!.write(`${n}\n`);
    return JSON.parse(await client.next()) as Record<string, number>;
  };

  beforeAll(async () => {
    // Two versions of the backend, each answering with its version.
    const ports: number[] = [];
    for (const version of ['v1', 'v2']) {
      const b = app(['server', version]);
      backends.push(b);
      ports.push((JSON.parse(await b.next()) as { port: number }).port);
    }

    // The mesh config, written to the config bucket as Galley stores it.
    nats = await NatsServerProcess.start();
    config = await ConfigBucketWriter.connect(nats.url);
    await config.put('ServiceEntry', 'default', 'greeter', {
      hosts: [HOST],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: PORT, name: 'grpc', protocol: 'GRPC' }],
      endpoints: [
        { address: '127.0.0.1', ports: { grpc: ports[0] }, labels: { version: 'v1' } },
        { address: '127.0.0.1', ports: { grpc: ports[1] }, labels: { version: 'v2' } },
      ],
    });
    await config.put('DestinationRule', 'default', 'greeter', { host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    await config.put('VirtualService', 'default', 'greeter', routeTo({ v1: 75, v2: 25 }));

    const [xdsPort, adminPort] = [await freePort(), await freePort()];
    const bin = path.join(path.dirname(require.resolve('@mesh/pilot/package.json')), 'bin', 'mesh-pilot.js');
    const child = spawn(process.execPath, [bin], {
      env: { ...process.env, MESH_NATS_URL: nats.url, MESH_PILOT_XDS_PORT: String(xdsPort), MESH_PILOT_XDS_HOST: '127.0.0.1', MESH_ADMIN_PORT: String(adminPort), MESH_ADMIN_HOST: '127.0.0.1', MESH_PILOT_DEBOUNCE_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pilot = new LineProcess(child);
    child.stdout!.on('data', (d: Buffer) => (pilotLog += d.toString()));
    const deadline = Date.now() + 20000;
    while (!(await fetch(`http://127.0.0.1:${adminPort}/healthz/ready`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`Pilot not ready:\n${pilotLog}${pilot.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // The bootstrap gRPC's xDS client reads: Pilot as the ADS server (plaintext), a node with a locality.
    const bootstrap = {
      xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'grpc-client.default', cluster: 'client', locality: {}, metadata: { NAMESPACE: 'default' } },
    };
    client = app(['client', `xds:///${HOST}:${PORT}`], { GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) });
  }, 60000);

  afterAll(async () => {
    client?.child.stdin?.end();
    await client?.stop();
    for (const b of backends) await b.stop();
    await pilot?.stop();
    await config?.close();
    await nats?.stop();
  });

  it('reaches the backend through the api_listener, RDS, CDS and EDS Pilot serves', async () => {
    const counts = await calls(1);
    expect(Object.keys(counts)[0]).toMatch(/^v[12]$/);
  });

  it('follows the weighted route (75/25)', async () => {
    const counts = await calls(400);
    expect((counts['v1'] ?? 0) + (counts['v2'] ?? 0)).toBe(400);
    expect(counts['v1']).toBeGreaterThan(240);
    expect(counts['v1']).toBeLessThan(360);
    expect(counts['v2']).toBeGreaterThan(40);
  });

  it('follows a config change (all traffic to v2)', async () => {
    await config.put('VirtualService', 'default', 'greeter', routeTo({ v2: 100 }));
    const deadline = Date.now() + 15000;
    for (;;) {
      const counts = await calls(50);
      if (counts['v2'] === 50) break;
      if (Date.now() > deadline) throw new Error(`traffic did not move to v2 within 15 s (last: ${JSON.stringify(counts)}); Pilot log:\n${pilotLog.slice(-4000)}`);
    }
    expect(await calls(100)).toEqual({ v2: 100 });
  });
});
