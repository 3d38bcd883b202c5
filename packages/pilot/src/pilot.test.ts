import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseSettings } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { CONFIG_BUCKET, configKey, kindByPlural, XDS_PUSH_ORDER } from '@mesh/shared-api';
import type { ConfigResource, XdsResourceType } from '@mesh/shared-api';
import { pilotSettingSpecs } from './config.js';
import { startPilot } from './pilot.js';
import type { RunningPilot } from './pilot.js';
import { AdsTestClient } from './testing/ads-test-client.js';
import type { ReceivedResponse } from './testing/ads-test-client.js';
import type { SyncStatus } from './xds/discovery-service.js';

const DEBOUNCE_MS = 50;
const DEBOUNCE_MAX_MS = 300;
const SHIPPING = 'shipping-service.default.svc.cluster.local';
const BOOKING = 'booking-service.default.svc.cluster.local';

const vsKind = kindByPlural('networking.istio.io', 'virtualservices')!;
const drKind = kindByPlural('networking.istio.io', 'destinationrules')!;

function workloadMeta(app: string, version: string, ip: string, inboundPort: number, appPort: number): Record<string, unknown> {
  return {
    NAMESPACE: 'default',
    LABELS: { app, version },
    SERVICE_ACCOUNT: app,
    INSTANCE_IPS: ip,
    WORKLOAD_NAME: `${app}-${version}`,
    MESH_SERVICE: app,
    MESH_PORTS: [{ name: 'http', port: 80, endpointPort: inboundPort, targetPort: appPort, protocol: 'HTTP' }],
  };
}

function nodeId(app: string, version: string, ip: string): string {
  return `sidecar~${ip}~${app}-${version}.default~default.svc.cluster.local`;
}

/** cluster name → `ip:port` of its endpoints, from a decoded EDS response. */
function endpointsOf(r: ReceivedResponse): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const cla of r.resources as { cluster_name: string; endpoints?: { lb_endpoints?: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[] }[]) {
    out[cla.cluster_name] = (cla.endpoints ?? []).flatMap((l) => l.lb_endpoints ?? []).map((e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`);
  }
  return out;
}

function shippingRoutes(r: ReceivedResponse): unknown {
  const rc = r.resources.find((x) => x['name'] === '80') as { virtual_hosts: { name: string; routes: { match: unknown; route: { cluster?: string; weighted_clusters?: { clusters: unknown[] } } }[] }[] };
  // Only what routing decides: the match and the destination cluster(s).
  return rc.virtual_hosts
    .find((v) => v.name === `${SHIPPING}:80`)!
    .routes.map((x) => ({ match: x.match, route: x.route.cluster ? { cluster: x.route.cluster } : { weighted_clusters: { clusters: x.route.weighted_clusters?.clusters } } }));
}

function resource<S>(kind: string, name: string, spec: S): ConfigResource<S> {
  return { apiVersion: 'networking.istio.io/v1alpha3', kind, metadata: { name, namespace: 'default' }, spec };
}

describe('Pilot (NATS + xDS + admin, end to end)', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let kv: KV;
  let pilot: RunningPilot;
  const clients: AdsTestClient[] = [];
  let shippingV1: AdsTestClient;
  let booking: AdsTestClient;
  let shippingV2: AdsTestClient;

  const syncz = async (): Promise<SyncStatus[]> => (await fetch(`http://127.0.0.1:${pilot.adminPort}/debug/syncz`)).json() as Promise<SyncStatus[]>;
  const syncOf = async (proxyId: string): Promise<SyncStatus> => (await syncz()).find((s) => s.proxyId === proxyId)!;
  const newClient = (app: string, version: string, ip: string, inbound: number, appPort: number): AdsTestClient => {
    const c = new AdsTestClient(`127.0.0.1:${pilot.xdsPort}`, { id: nodeId(app, version, ip), metadata: workloadMeta(app, version, ip, inbound, appPort) });
    clients.push(c);
    return c;
  };
  const subscribeAll = (c: AdsTestClient): void => XDS_PUSH_ORDER.forEach((t) => c.subscribe(t));

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).create(CONFIG_BUCKET, { history: 5 });
    // Present before Pilot starts: part of the initial load.
    await kv.put(
      configKey(drKind, 'default', 'shipping-service'),
      JSON.stringify(resource('DestinationRule', 'shipping-service', { host: 'shipping-service', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] })),
    );
    await kv.put('networking_istio_io.gateways.default.ignored', JSON.stringify({ kind: 'Gateway', spec: {} }));
    const parsed = parseSettings(pilotSettingSpecs, [], {
      MESH_NATS_URL: nats.url,
      MESH_ADMIN_PORT: '0',
      MESH_ADMIN_HOST: '127.0.0.1',
      MESH_PILOT_XDS_PORT: '0',
      MESH_PILOT_XDS_HOST: '127.0.0.1',
      MESH_PILOT_DEBOUNCE_MS: String(DEBOUNCE_MS),
      MESH_PILOT_DEBOUNCE_MAX_MS: String(DEBOUNCE_MAX_MS),
      MESH_DRAIN_MS: '1000',
    });
    if (parsed.help) throw new Error('unexpected --help');
    pilot = await startPilot(parsed.settings, silentLogger());
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await pilot?.stop();
    await nc?.close();
    await nats?.stop();
  });

  it('becomes ready once the config bucket is loaded and the xDS port is bound', async () => {
    const deadline = Date.now() + 5000;
    let res = await fetch(`http://127.0.0.1:${pilot.adminPort}/healthz/ready`);
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      res = await fetch(`http://127.0.0.1:${pilot.adminPort}/healthz/ready`);
    }
    expect(await res.json()).toEqual({ status: 'ready', checks: { 'config-synced': true, 'xds-listening': true } });
    expect(pilot.xdsPort).toBeGreaterThan(0);
  });

  it('sends a connecting proxy CDS, EDS, LDS, RDS in that order, and records its ACKs', async () => {
    shippingV1 = newClient('shipping-service', 'v1', '10.0.0.2', 15206, 9082);
    subscribeAll(shippingV1);
    const first = await Promise.all(XDS_PUSH_ORDER.map((t) => shippingV1.nth(1, t)));
    // No reference dangles: clusters come before their endpoints, listeners before their routes.
    const at = (t: XdsResourceType): number => shippingV1.responses.findIndex((r) => r.type === t);
    expect(at('Cluster')).toBeLessThan(at('ClusterLoadAssignment'));
    expect(at('Listener')).toBeLessThan(at('RouteConfiguration'));
    for (const r of shippingV1.responses) shippingV1.ack(r);
    shippingV1.autoAck = true;
    expect(first.map((r) => r.type)).toEqual([...XDS_PUSH_ORDER]);
    // The first answer comes from the current push; the push its own registration caused completes it.
    const cdsNames = (): string[] => [...shippingV1.state('Cluster').keys()];
    await shippingV1.until(() => cdsNames().includes(`inbound|80||${SHIPPING}`) && cdsNames().includes(`outbound|80||${SHIPPING}`), 3000, 'own clusters');
    // The catch-alls come with the default outbound traffic policy, ALLOW_ANY (Istio's).
    expect(cdsNames()).toEqual([`outbound|80||${SHIPPING}`, `outbound|80|v1|${SHIPPING}`, `outbound|80|v2|${SHIPPING}`, 'BlackHoleCluster', 'PassthroughCluster', `inbound|80||${SHIPPING}`]);
    await shippingV1.until(() => currentEndpoints(shippingV1)[`outbound|80||${SHIPPING}`]?.[0] === '10.0.0.2:15206', 3000, 'own endpoints');
    expect(currentEndpoints(shippingV1)).toEqual({
      [`outbound|80||${SHIPPING}`]: ['10.0.0.2:15206'],
      [`outbound|80|v1|${SHIPPING}`]: ['10.0.0.2:15206'],
      [`outbound|80|v2|${SHIPPING}`]: [],
    });
    expect([...shippingV1.state('Listener').keys()]).toEqual(['0.0.0.0_80', 'virtualOutbound', 'virtualInbound']);
    await shippingV1.until(() => shippingV1.state('RouteConfiguration').has('80'), 3000, 'routes');
    expect(shippingRoutes(shippingV1.latest('RouteConfiguration')!)).toEqual([{ match: { prefix: '/' }, route: { cluster: `outbound|80||${SHIPPING}` } }]);

    await expectEventually(async () => {
      const s = await syncOf(nodeId('shipping-service', 'v1', '10.0.0.2'));
      expect(s.workload).toEqual({ service: 'shipping-service', namespace: 'default', labels: { app: 'shipping-service', version: 'v1' } });
      for (const t of XDS_PUSH_ORDER) {
        const latest = shippingV1.latest(t)!;
        expect(s.types[t]).toEqual({ sent: latest.versionInfo, acked: latest.versionInfo, nonce: latest.nonce });
      }
    });
  });

  it("puts a proxy's registration into other proxies' EDS", async () => {
    booking = newClient('booking-service', 'v1', '10.0.0.1', 15106, 9081);
    booking.autoAck = true;
    subscribeAll(booking);
    await booking.until(() => currentEndpoints(booking)[`outbound|80||${BOOKING}`]?.[0] === '10.0.0.1:15106', 3000, 'own endpoints at booking');
    expect(currentEndpoints(booking)[`outbound|80|v1|${SHIPPING}`]).toEqual(['10.0.0.2:15206']);
    await shippingV1.until(() => currentEndpoints(shippingV1)[`outbound|80||${BOOKING}`]?.[0] === '10.0.0.1:15106', 3000, 'booking endpoints at shipping');
  });

  it('pushes a VirtualService written to the config bucket after start, within the debounce, with a new version', async () => {
    const before = shippingV1.latest('RouteConfiguration')!;
    await booking.until(() => booking.latest('RouteConfiguration') !== undefined, 3000);
    // Settle booking (every push ACKed, none pending), then keep the next routes un-ACKed: the NACK test below rejects them.
    const bookingId = nodeId('booking-service', 'v1', '10.0.0.1');
    await new Promise((r) => setTimeout(r, DEBOUNCE_MAX_MS + 100));
    await expectEventually(async () => {
      const s = await syncOf(bookingId);
      for (const t of XDS_PUSH_ORDER) expect(s.types[t]?.acked).toBe(s.types[t]?.sent);
    });
    booking.autoAck = false;
    const written = Date.now();
    await kv.put(
      configKey(vsKind, 'default', 'shipping-service'),
      JSON.stringify(
        resource('VirtualService', 'shipping-service', {
          hosts: ['shipping-service'],
          http: [{ route: [{ destination: { host: 'shipping-service', subset: 'v1' }, weight: 90 }, { destination: { host: 'shipping-service', subset: 'v2' }, weight: 10 }] }],
        }),
      ),
    );
    const rds = await shippingV1.next('RouteConfiguration', 3000);
    expect(Date.now() - written).toBeLessThan(DEBOUNCE_MAX_MS + 500);
    expect(rds.versionInfo).not.toBe(before.versionInfo);
    expect(shippingRoutes(rds)).toEqual([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: `outbound|80|v1|${SHIPPING}`, weight: { value: 90 } },
              { name: `outbound|80|v2|${SHIPPING}`, weight: { value: 10 } },
            ],
          },
        },
      },
    ]);
  });

  it('records a NACK in /debug/syncz and does not resend the rejected version', async () => {
    await booking.until(() => isWeighted(booking.latest('RouteConfiguration')), 3000, 'weighted routes at booking');
    const rdsList = booking.responses.filter((r) => r.type === 'RouteConfiguration');
    const rds = rdsList.at(-1)!;
    const accepted = rdsList.at(-2)!.versionInfo;
    booking.nack(rds, accepted, 'route 0: weighted clusters not supported');
    const id = nodeId('booking-service', 'v1', '10.0.0.1');
    await expectEventually(async () => {
      const rdsStatus = (await syncOf(id)).types.RouteConfiguration!;
      expect(rdsStatus).toMatchObject({ sent: rds.versionInfo, acked: accepted, nonce: rds.nonce, lastNack: { message: 'route 0: weighted clusters not supported', version: rds.versionInfo } });
      expect(Date.parse(rdsStatus.lastNack!.at)).toBeGreaterThan(0);
    });
    const metrics = await (await fetch(`http://127.0.0.1:${pilot.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^pilot_xds_rejects(_total)?\{type="rds"\} 1$/m);
    expect(metrics).toMatch(/^pilot_xds_pushes(_total)?\{type="cds"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^pilot_xds_connected 2$/m);
    expect(metrics).toMatch(/^pilot_proxy_convergence_time(_seconds)?_count\{type="eds"\} [1-9]\d*$/m);

    // A push that changes endpoints only (another shipping workload): EDS is sent, RDS is not resent.
    booking.autoAck = true;
    const rdsCount = booking.responses.filter((r) => r.type === 'RouteConfiguration').length;
    shippingV2 = newClient('shipping-service', 'v2', '10.0.0.3', 15306, 9083);
    shippingV2.autoAck = true;
    subscribeAll(shippingV2);
    await booking.until(() => (currentEndpoints(booking)[`outbound|80|v2|${SHIPPING}`] ?? []).includes('10.0.0.3:15306'), 3000, 'v2 endpoint');
    await new Promise((r) => setTimeout(r, DEBOUNCE_MAX_MS + 200));
    expect(booking.responses.filter((r) => r.type === 'RouteConfiguration')).toHaveLength(rdsCount);
  });

  it('ignores a request with a stale nonce', async () => {
    const id = nodeId('shipping-service', 'v1', '10.0.0.2');
    // Clusters changed when booking registered: the first CDS response's nonce is no longer the latest.
    const cdsList = shippingV1.responses.filter((r) => r.type === 'Cluster');
    expect(cdsList.length).toBeGreaterThanOrEqual(2);
    const before = (await syncOf(id)).types.Cluster!;
    const count = shippingV1.responses.length;
    shippingV1.nack(cdsList[0]!, 'whatever', 'a rejection of an old response');
    shippingV1.send({ type_url: cdsList[0]!.typeUrl, version_info: cdsList[0]!.versionInfo, response_nonce: 'never-sent', resource_names: [] });
    await new Promise((r) => setTimeout(r, 200));
    const after = (await syncOf(id)).types.Cluster!;
    expect(after).toEqual(before);
    expect(after.lastNack).toBeUndefined();
    expect(shippingV1.responses).toHaveLength(count);
  });

  it('serves the proxy config dump, decoded', async () => {
    const id = nodeId('booking-service', 'v1', '10.0.0.1');
    const res = await fetch(`http://127.0.0.1:${pilot.adminPort}/debug/config_dump?proxyID=${encodeURIComponent(id)}`);
    expect(res.status).toBe(200);
    const dump = (await res.json()) as { proxyId: string; resources: Record<XdsResourceType, { name?: string }[]> };
    expect(dump.proxyId).toBe(id);
    expect(dump.resources.Listener.map((l) => l.name)).toEqual(['0.0.0.0_80', 'virtualOutbound', 'virtualInbound']);
    expect((await fetch(`http://127.0.0.1:${pilot.adminPort}/debug/config_dump?proxyID=nobody`)).status).toBe(404);
  });

  it("removes a disconnected proxy's endpoints from the others' EDS", async () => {
    shippingV2.cancel();
    const gone = (c: AdsTestClient): boolean => !(currentEndpoints(c)[`outbound|80||${SHIPPING}`] ?? []).includes('10.0.0.3:15306');
    await booking.until(() => gone(booking), 3000, 'v2 endpoint removed at booking');
    await shippingV1.until(() => gone(shippingV1), 3000, 'v2 endpoint removed at shipping');
    expect(currentEndpoints(booking)[`outbound|80|v2|${SHIPPING}`]).toEqual([]);
    await expectEventually(async () => expect((await syncz()).map((s) => s.workload.service).sort()).toEqual(['booking-service', 'shipping-service']));
  });

  it('reverts to the default route when the VirtualService is deleted', async () => {
    await kv.delete(configKey(vsKind, 'default', 'shipping-service'));
    await shippingV1.until(() => !isWeighted(shippingV1.latest('RouteConfiguration')), 3000, 'default route');
    expect(shippingRoutes(shippingV1.latest('RouteConfiguration')!)).toEqual([{ match: { prefix: '/' }, route: { cluster: `outbound|80||${SHIPPING}` } }]);
  });
});

/** cluster name → `ip:port` of its endpoints, from everything the client received (EDS responses carry only what changed). */
function currentEndpoints(c: AdsTestClient): Record<string, string[]> {
  const state = c.state('ClusterLoadAssignment');
  return endpointsOf({ type: 'ClusterLoadAssignment', typeUrl: '', versionInfo: '', nonce: '', resources: [...state.values()] });
}

function isWeighted(r: ReceivedResponse | undefined): boolean {
  return r !== undefined && JSON.stringify(shippingRoutes(r)).includes('weighted_clusters');
}

/** Retries an assertion until it passes or `timeoutMs` elapses. */
async function expectEventually(assertion: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
