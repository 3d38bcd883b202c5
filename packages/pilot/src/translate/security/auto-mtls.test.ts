import type { ConfigResource } from '@mesh/shared-api';
import { TLS_MODE_LABEL } from '../../model/service-entry.js';
import { config, fixtureIndex, named, workload } from '../../testing/translate-fixtures.js';
import { generateResources } from '../generate.js';
import type { XdsResource } from '../resources.js';

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
type Transport = 'mtls' | 'plaintext';

const CLUSTER = 'outbound|8000||httpbin.foo.svc.cluster.local';
const ENDPOINT_PORT = 15006;

/** The server: httpbin in `foo`, service port 8000, app port 80, reached on the sidecar's 15006. */
const httpbin = (certified: boolean): ReturnType<typeof workload> =>
  workload({
    name: 'httpbin-v1',
    app: 'httpbin',
    version: 'v1',
    ip: '10.1.5.1',
    namespace: 'foo',
    labels: certified ? { [TLS_MODE_LABEL]: 'istio' } : {},
    ports: [{ name: 'http', port: 8000, endpointPort: ENDPOINT_PORT, targetPort: 80, protocol: 'HTTP' }],
  });
const sleep = workload({ name: 'sleep', app: 'sleep', ip: '10.1.0.1', labels: { [TLS_MODE_LABEL]: 'istio' }, ports: [] });

/** What the server's inbound listener accepts on the endpoint port: mTLS only if it can terminate it (holds a certificate). */
function serverAccepts(inbound: XdsResource, certified: boolean): Set<Transport> {
  const chains = (inbound['filter_chains'] as XdsResource[]).filter((c) => ((c['filter_chain_match'] as XdsResource)['destination_port'] as { value: number }).value === ENDPOINT_PORT);
  const out = new Set<Transport>();
  for (const c of chains) {
    if (c['transport_socket'] === undefined) out.add('plaintext');
    else if (certified) out.add('mtls');
  }
  return out;
}

function serverMode(inbound: XdsResource): Mode {
  const chains = (inbound['filter_chains'] as XdsResource[]).map((c) => c['transport_socket'] !== undefined);
  return chains.every((tls) => tls) ? 'STRICT' : chains.some((tls) => tls) ? 'PERMISSIVE' : 'DISABLE';
}

/** What the client's cluster sends to the server's endpoint, chosen as Envoy chooses a transport socket. */
function clientSends(cluster: XdsResource, cla: XdsResource): Transport {
  const lb = ((cla['endpoints'] as XdsResource[])[0]!['lb_endpoints'] as XdsResource[])[0]!;
  const fields = ((lb['metadata'] as XdsResource | undefined)?.['filter_metadata'] as XdsResource | undefined)?.['envoy.transport_socket_match'] as { fields: Record<string, { stringValue: string }> } | undefined;
  const meta = Object.fromEntries(Object.entries(fields?.fields ?? {}).map(([k, v]) => [k, v.stringValue]));
  const matches = cluster['transport_socket_matches'] as Array<{ match: { fields: Record<string, { stringValue: string }> }; transport_socket: XdsResource }> | undefined;
  const tls = (s: XdsResource | undefined): Transport => (s && s['name'] === 'envoy.transport_sockets.tls' ? 'mtls' : 'plaintext');
  if (matches) {
    const hit = matches.find((m) => Object.entries(m.match.fields).every(([k, v]) => meta[k] === v.stringValue));
    return tls(hit?.transport_socket);
  }
  return tls(cluster['transport_socket'] as XdsResource | undefined);
}

interface Outcome {
  server: Mode;
  accepts: Set<Transport>;
  client: Transport;
}

function outcome(configs: ConfigResource<object>[], certified: boolean): Outcome {
  const server = httpbin(certified);
  const index = fixtureIndex({ workloads: [sleep, server], configs, settings: { enableAutoMtls: true } });
  const inbound = named(generateResources(index, server).Listener, 'virtualInbound');
  const client = generateResources(index, sleep);
  return { server: serverMode(inbound), accepts: serverAccepts(inbound, certified), client: clientSends(named(client.Cluster, CLUSTER), client.ClusterLoadAssignment.find((c) => c['cluster_name'] === CLUSTER)!) };
}

const pa = (name: string, ns: string, mode: Mode | 'UNSET', extra: object = {}): ConfigResource<object> => config('PeerAuthentication', name, { mtls: { mode }, ...extra }, ns);
const workloadPa = (mode: Mode | 'UNSET', port?: Mode): ConfigResource<object> => pa('httpbin', 'foo', mode, { selector: { matchLabels: { app: 'httpbin' } }, ...(port ? { portLevelMtls: { '80': { mode: port } } } : {}) });
const meshPolicy = (mode: 'STRICT' | 'PERMISSIVE' | 'NONE'): ConfigResource<object> => config('MeshPolicy', 'default', mode === 'NONE' ? {} : { peers: [{ mtls: mode === 'STRICT' ? {} : { mode: 'PERMISSIVE' } }] });
const policy = (mode: 'STRICT' | 'PERMISSIVE' | 'NONE'): ConfigResource<object> =>
  config('Policy', 'httpbin', { targets: [{ name: 'httpbin' }], ...(mode === 'NONE' ? {} : { peers: [{ mtls: mode === 'STRICT' ? {} : { mode: 'PERMISSIVE' } }] }) }, 'foo');

describe('auto mTLS follows the server (Istio 1.5+ defaults)', () => {
  it.each<[string, ConfigResource<object>[], boolean, Mode, Transport]>([
    ['no policy, certified sidecar: PERMISSIVE, clients use mTLS', [], true, 'PERMISSIVE', 'mtls'],
    ['no policy, sidecar without a certificate: plaintext only, not advertised', [], false, 'DISABLE', 'plaintext'],
    ['mesh STRICT', [pa('default', 'istio-system', 'STRICT')], true, 'STRICT', 'mtls'],
    ['mesh UNSET means PERMISSIVE', [pa('default', 'istio-system', 'UNSET')], true, 'PERMISSIVE', 'mtls'],
    ['namespace DISABLE', [pa('default', 'foo', 'DISABLE')], true, 'DISABLE', 'plaintext'],
    ['namespace DISABLE, workload STRICT', [pa('default', 'foo', 'DISABLE'), workloadPa('STRICT')], true, 'STRICT', 'mtls'],
    ['namespace STRICT, workload DISABLE', [pa('default', 'foo', 'STRICT'), workloadPa('DISABLE')], true, 'DISABLE', 'plaintext'],
    ['namespace STRICT, app port 80 DISABLE', [pa('default', 'foo', 'STRICT'), workloadPa('UNSET', 'DISABLE')], true, 'DISABLE', 'plaintext'],
    ['mesh DISABLE, app port 80 STRICT', [pa('default', 'istio-system', 'DISABLE'), workloadPa('UNSET', 'STRICT')], true, 'STRICT', 'mtls'],
    ['1.4 MeshPolicy STRICT', [meshPolicy('STRICT')], true, 'STRICT', 'mtls'],
    ['1.4 MeshPolicy without peers (DISABLE)', [meshPolicy('NONE')], true, 'DISABLE', 'plaintext'],
    ['1.4 MeshPolicy STRICT, service Policy without peers', [meshPolicy('STRICT'), policy('NONE')], true, 'DISABLE', 'plaintext'],
    ['PeerAuthentication wins over a 1.4 Policy', [meshPolicy('NONE'), pa('default', 'foo', 'STRICT')], true, 'STRICT', 'mtls'],
  ])('%s', (_name, configs, certified, server, client) => {
    const o = outcome(configs, certified);
    expect([o.server, o.client]).toEqual([server, client]);
    expect(o.accepts.has(o.client)).toBe(true);
  });

  it('never lets a client and a certified server disagree, over every combination of mesh, namespace, workload, port and 1.4 policies', () => {
    const modes: Array<Mode | undefined> = [undefined, 'STRICT', 'PERMISSIVE', 'DISABLE'];
    const mismatches: string[] = [];
    let combinations = 0;
    for (const mesh of modes)
      for (const ns of modes)
        for (const wl of modes)
          for (const port of [undefined, 'STRICT', 'DISABLE'] as const)
            for (const legacy of [undefined, 'STRICT', 'PERMISSIVE', 'NONE'] as const) {
              const configs: ConfigResource<object>[] = [];
              if (mesh) configs.push(pa('default', 'istio-system', mesh));
              if (ns) configs.push(pa('default', 'foo', ns));
              if (wl || port) configs.push(workloadPa(wl ?? 'UNSET', port));
              if (legacy) configs.push(meshPolicy(legacy));
              for (const certified of [true, false]) {
                combinations++;
                const o = outcome(configs, certified);
                // A STRICT server without a certificate refuses everyone: fail closed, not a mismatch.
                if (!certified && o.server === 'STRICT') {
                  if (o.client !== 'plaintext' || o.accepts.size !== 0) mismatches.push(`uncertified STRICT ${JSON.stringify({ mesh, ns, wl, port, legacy })}`);
                  continue;
                }
                if (!o.accepts.has(o.client)) mismatches.push(`${JSON.stringify({ mesh, ns, wl, port, legacy, certified })}: server ${o.server}, client ${o.client}`);
              }
            }
    expect(combinations).toBe(4 * 4 * 4 * 3 * 4 * 2);
    expect(mismatches).toEqual([]);
  });

  it.each<[string, object, Transport]>([
    ['ISTIO_MUTUAL towards a DISABLE server', { mode: 'ISTIO_MUTUAL' }, 'mtls'],
    ['DISABLE towards a PERMISSIVE server', { mode: 'DISABLE' }, 'plaintext'],
  ])('lets an explicit DestinationRule tls setting win: %s', (_name, tls, expected) => {
    const dr = config('DestinationRule', 'httpbin', { host: 'httpbin.foo.svc.cluster.local', trafficPolicy: { tls } }, 'foo');
    const base = expected === 'mtls' ? [pa('default', 'foo', 'DISABLE')] : [];
    expect(outcome([...base, dr], true).client).toBe(expected);
  });

  it('keeps auto mTLS away from proxyless gRPC clients, which hold no mesh certificate', () => {
    const grpc = workload({ name: 'client', app: 'client', ip: '10.1.0.2', type: 'grpc', ports: [] });
    const index = fixtureIndex({ workloads: [grpc, httpbin(true)], settings: { enableAutoMtls: true } });
    const cluster = named(generateResources(index, grpc).Cluster, CLUSTER);
    expect([cluster['transport_socket_matches'], cluster['transport_socket']]).toEqual([undefined, undefined]);
  });
});
