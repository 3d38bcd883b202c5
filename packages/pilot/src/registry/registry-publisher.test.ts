import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { decodeRegistryEntry, REGISTRY_BUCKET, REGISTRY_ENTRY_MAX_AGE_MS } from '@mesh/shared-api';
import type { RegistryEntry } from '@mesh/shared-api';
import { proxyFromMetadata } from '../model/proxy.js';
import type { Proxy } from '../model/proxy.js';
import { AggregateServiceRegistry } from './aggregate-registry.js';
import { RegistryPublisher } from './registry-publisher.js';
import { WorkloadRegistry } from './workload-registry.js';

function proxy(name: string, labels: Record<string, string>, service: string, ip: string): Proxy {
  return proxyFromMetadata(
    `sidecar~${ip}~${name}.default~default.svc.cluster.local`,
    {
      NAMESPACE: 'default',
      LABELS: labels,
      SERVICE_ACCOUNT: name,
      INSTANCE_IPS: ip,
      WORKLOAD_NAME: name,
      MESH_SERVICE: service,
      MESH_PORTS: service ? [{ name: 'http', port: 80, endpointPort: 15006, targetPort: 9080, protocol: 'HTTP' }] : [],
    },
    'cluster.local',
  );
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('RegistryPublisher.desired', () => {
  it('publishes registry services with their source, and leaves ServiceEntries to the config bucket', () => {
    const svc = (hostname: string, registry: 'Kubernetes' | 'ServiceEntry') => ({ hostname, name: hostname.split('.')[0]!, namespace: 'default', ports: [], registry });
    const registry = { services: () => [svc('a.default.svc.cluster.local', 'Kubernetes'), svc('api.example.com', 'ServiceEntry')], endpoints: () => [], onChange: () => () => undefined };
    const p = new RegistryPublisher({ nc: undefined as unknown as NatsConnection, registry, workloads: { list: () => [] }, publisher: 'p', logger: silentLogger() });
    expect([...p.desired().entries()].map(([k, v]) => [k, JSON.parse(v).source])).toEqual([['svc.p.a.default.svc.cluster.local', 'kubernetes']]);
  });
});

describe('RegistryPublisher', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let reader: NatsConnection;
  let kv: KV;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pilot-registry-'));
  const publishers: RegistryPublisher[] = [];

  const start = (id: string, workloads: WorkloadRegistry, refreshMs?: number): RegistryPublisher => {
    const p = new RegistryPublisher({ nc, registry: new AggregateServiceRegistry([workloads]), workloads, publisher: id, logger: silentLogger(), debounceMs: 10, refreshMs });
    publishers.push(p);
    p.start();
    return p;
  };

  /** Every live entry of the bucket, decoded, by key. */
  const contents = async (): Promise<Record<string, RegistryEntry>> => {
    const out: Record<string, RegistryEntry> = {};
    for await (const key of await kv.keys()) {
      const e = await kv.get(key);
      if (e && e.operation === 'PUT') out[key] = decodeRegistryEntry(key, e.json());
    }
    return out;
  };

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ storeDir });
    nc = await connect({ servers: nats.url });
    reader = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    for (const p of publishers) await p.stop();
    await nc?.close();
    await reader?.close();
    await nats?.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('creates the bucket with the contract max age and publishes services and workloads, gateways included', async () => {
    const workloads = new WorkloadRegistry();
    workloads.register('stream-1', proxy('shipping-v1', { app: 'shipping', version: 'v1' }, 'shipping', '10.0.0.2'));
    workloads.register('stream-2', proxy('ingress', { istio: 'ingressgateway' }, '', '10.0.0.9'));
    const p = start('pilot-a', workloads);
    await p.settled();
    kv = await new Kvm(reader).open(REGISTRY_BUCKET);
    expect((await kv.status()).ttl).toBe(REGISTRY_ENTRY_MAX_AGE_MS);
    expect(await contents()).toEqual({
      'svc.pilot-a.shipping.default.svc.cluster.local': {
        type: 'service',
        publisher: 'pilot-a',
        value: { hostname: 'shipping.default.svc.cluster.local', name: 'shipping', namespace: 'default', ports: [{ name: 'http', port: 80, protocol: 'HTTP' }], source: 'workload-registration' },
      },
      'wl.pilot-a.default.stream-1': {
        type: 'workload',
        publisher: 'pilot-a',
        value: {
          name: 'shipping-v1',
          namespace: 'default',
          labels: { app: 'shipping', version: 'v1' },
          serviceAccount: 'shipping-v1',
          addresses: ['10.0.0.2'],
          services: ['shipping.default.svc.cluster.local'],
          source: 'workload-registration',
        },
      },
      'wl.pilot-a.default.stream-2': {
        type: 'workload',
        publisher: 'pilot-a',
        value: { name: 'ingress', namespace: 'default', labels: { istio: 'ingressgateway' }, serviceAccount: 'ingress', addresses: ['10.0.0.9'], services: [], source: 'workload-registration' },
      },
    });

    workloads.unregister('stream-1');
    const after = await eventually(contents, (c) => Object.keys(c).length === 1, 'the service and its workload to be deleted');
    expect(Object.keys(after)).toEqual(['wl.pilot-a.default.stream-2']);
    await p.stop();
    expect(await contents()).toEqual({});
  });

  it('never touches the entries of another publisher, and re-puts its own on every refresh', async () => {
    const a = new WorkloadRegistry();
    const b = new WorkloadRegistry();
    a.register('stream-1', proxy('shipping-v1', { app: 'shipping', version: 'v1' }, 'shipping', '10.0.0.2'));
    b.register('stream-1', proxy('shipping-v2', { app: 'shipping', version: 'v2' }, 'shipping', '10.0.0.3'));
    const pa = start('pilot-a', a, 100);
    const pb = start('pilot-b', b);
    await Promise.all([pa.settled(), pb.settled()]);
    expect(Object.keys(await contents()).sort()).toEqual([
      'svc.pilot-a.shipping.default.svc.cluster.local',
      'svc.pilot-b.shipping.default.svc.cluster.local',
      'wl.pilot-a.default.stream-1',
      'wl.pilot-b.default.stream-1',
    ]);

    const first = (await kv.get('wl.pilot-a.default.stream-1'))!.revision;
    await eventually(async () => (await kv.get('wl.pilot-a.default.stream-1'))!.revision, (r) => r > first, 'a refresh to re-put the entry');

    a.unregister('stream-1');
    await eventually(contents, (c) => Object.keys(c).every((k) => k.includes('pilot-b')), "pilot-a's entries to go");
    await pa.stop();
    expect(Object.keys(await contents()).sort()).toEqual(['svc.pilot-b.shipping.default.svc.cluster.local', 'wl.pilot-b.default.stream-1']);
    await pb.stop();
  });

  it('rewrites its entries when the bucket was lost', async () => {
    const workloads = new WorkloadRegistry();
    workloads.register('stream-1', proxy('shipping-v1', { app: 'shipping', version: 'v1' }, 'shipping', '10.0.0.2'));
    const p = new RegistryPublisher({
      nc,
      registry: new AggregateServiceRegistry([workloads]),
      workloads,
      publisher: 'pilot-c',
      logger: silentLogger(),
      debounceMs: 10,
      refreshMs: 100,
      retryMs: 50,
      // JetStream API calls time out after 5 s: on a loaded machine creating a bucket can take seconds.
      timeoutMs: 5000,
    });
    publishers.push(p);
    p.start();
    await p.settled();
    await (await new Kvm(reader).open(REGISTRY_BUCKET)).destroy();
    const reopened = await eventually(
      async () => new Kvm(reader).open(REGISTRY_BUCKET).then(async (k) => ((await k.get('wl.pilot-c.default.stream-1'))?.operation === 'PUT' ? k : undefined)).catch(() => undefined),
      (k) => k !== undefined,
      'the entry to be written again',
      20000,
    );
    kv = reopened!;
    await p.stop();
  });
});
