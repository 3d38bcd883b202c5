import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { CONFIG_BUCKET, configKey, kindByPlural } from '@mesh/shared-api';
import { MemoryConfigStore } from '../model/config-store.js';
import { KvConfigSource } from './kv-config-source.js';

const vsKind = kindByPlural('networking.istio.io', 'virtualservices')!;
const drKind = kindByPlural('networking.istio.io', 'destinationrules')!;

function vsJson(name: string, host: string): string {
  return JSON.stringify({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts: [host] } });
}

async function eventually(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('KvConfigSource', () => {
  let nats: NatsServerProcess;
  let writer: NatsConnection;
  let reader: NatsConnection;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pilot-kv-'));
  const sources: KvConfigSource[] = [];

  const follow = (retryMs = 100): { store: MemoryConfigStore; source: KvConfigSource } => {
    const store = new MemoryConfigStore();
    const source = new KvConfigSource({ nc: reader, store, logger: silentLogger(), retryMs });
    sources.push(source);
    source.start();
    return { store, source };
  };
  const hosts = (store: MemoryConfigStore): string[] => store.list('VirtualService').flatMap((v) => v.spec.hosts ?? []);

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ storeDir });
    writer = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    reader = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });

  afterAll(async () => {
    for (const s of sources) await s.stop();
    await reader?.close();
    await writer?.close();
    await nats?.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('is synced with no config while the bucket does not exist, and picks the bucket up once created', async () => {
    const { store, source } = follow();
    await source.whenSynced();
    expect(store.size).toBe(0);
    const kv = await new Kvm(writer).create(CONFIG_BUCKET, { history: 5 });
    await kv.put(configKey(vsKind, 'default', 'early'), vsJson('early', 'early-host'));
    await eventually(() => hosts(store).includes('early-host'), 'the first object');
    await kv.delete(configKey(vsKind, 'default', 'early'));
    await eventually(() => store.size === 0, 'the delete');
  });

  describe('with the bucket', () => {
    let kv: KV;
    beforeAll(async () => {
      kv = await new Kvm(writer).create(CONFIG_BUCKET, { history: 5 });
      await kv.put(configKey(vsKind, 'default', 'a'), vsJson('a', 'a-host'));
      await kv.put(configKey(vsKind, 'default', 'b'), vsJson('b', 'b-host'));
      await kv.delete(configKey(vsKind, 'default', 'b'));
      await kv.put(configKey(drKind, 'default', 'a'), JSON.stringify({ kind: 'DestinationRule', metadata: { name: 'a' }, spec: { host: 'a-host' } }));
      await kv.put('config_istio_io.rules.default.r', JSON.stringify({ kind: 'rule', spec: {} }));
      await kv.put(configKey(vsKind, 'default', 'broken'), 'not json');
    });

    it('loads the whole bucket before it reports synced: latest values, deletes applied, other kinds skipped', async () => {
      const { store, source } = follow();
      await source.whenSynced();
      expect(source.synced).toBe(true);
      expect(hosts(store)).toEqual(['a-host']);
      expect(store.list('DestinationRule').map((d) => [d.metadata.namespace, d.metadata.name, d.spec.host])).toEqual([['default', 'a', 'a-host']]);
      const rev = (await kv.get(configKey(vsKind, 'default', 'a')))!.revision;
      expect(store.list('VirtualService')[0]!.metadata.resourceVersion).toBe(String(rev));
    });

    it('follows puts, deletes and purges after the load, notifying listeners', async () => {
      const { store, source } = follow();
      await source.whenSynced();
      const changed: string[][] = [];
      store.onChange((c) => changed.push(c.keys));
      await kv.put(configKey(vsKind, 'default', 'c'), vsJson('c', 'c-host'));
      await eventually(() => hosts(store).includes('c-host'), 'put');
      await kv.put(configKey(vsKind, 'default', 'c'), vsJson('c', 'c2-host'));
      await eventually(() => hosts(store).includes('c2-host'), 'update');
      await kv.purge(configKey(vsKind, 'default', 'c'));
      await eventually(() => !hosts(store).includes('c2-host'), 'purge');
      await kv.delete(configKey(drKind, 'default', 'a'));
      await eventually(() => store.list('DestinationRule').length === 0, 'delete');
      expect(changed).toContainEqual([configKey(vsKind, 'default', 'c')]);
      await kv.put(configKey(drKind, 'default', 'a'), JSON.stringify({ kind: 'DestinationRule', metadata: { name: 'a' }, spec: { host: 'a-host' } }));
    });

    it('survives a NATS restart: changes made after it are followed', async () => {
      const { store, source } = follow();
      await source.whenSynced();
      await nats.restart();
      // JetStream needs a moment after a restart: retry the write (as Galley would) until it lands.
      const deadline = Date.now() + 15000;
      for (;;) {
        try {
          await kv.put(configKey(vsKind, 'default', 'after-restart'), vsJson('after-restart', 'restart-host'));
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await eventually(() => hosts(store).includes('restart-host'), 'the change after the restart', 15000);
      expect(hosts(store)).toContain('a-host');
    }, 30000);

    it('loses nothing that changed while its own connection was cut', async () => {
      const proxy = await TcpProxy.start(nats.port);
      const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      const store = new MemoryConfigStore();
      const source = new KvConfigSource({ nc, store, logger: silentLogger(), retryMs: 100 });
      try {
        source.start();
        await source.whenSynced();
        await kv.put(configKey(vsKind, 'default', 'cut'), vsJson('cut', 'cut-host'));
        await eventually(() => hosts(store).includes('cut-host'), 'before the cut');
        proxy.cut();
        await kv.put(configKey(vsKind, 'default', 'while-away'), vsJson('while-away', 'away-host'));
        await kv.delete(configKey(vsKind, 'default', 'cut'));
        await new Promise((r) => setTimeout(r, 300));
        expect(hosts(store)).toContain('cut-host');
        proxy.restore();
        await eventually(() => hosts(store).includes('away-host') && !hosts(store).includes('cut-host'), 'the changes made while away', 15000);
      } finally {
        await source.stop();
        await nc.close();
        proxy.close();
      }
    }, 30000);
  });
});

/** A TCP relay to the NATS server whose connections the test can cut (a network partition of one client). */
class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private accepting = true;
  private constructor(
    private readonly server: net.Server,
    private readonly target: number,
  ) {}

  static async start(target: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (s) => proxy.accept(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.accepting = false;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.accepting = true;
  }

  close(): void {
    this.cut();
    this.server.close();
  }

  private accept(client: net.Socket): void {
    if (!this.accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
