import path from 'node:path';
import { config, golden, translate, wireProblems, workload } from '../testing/translate-fixtures.js';
import type { MeshFixture } from '../testing/translate-fixtures.js';

const TESTDATA = path.join(__dirname, 'testdata');
const grpcPort = [{ name: 'grpc', port: 50051, endpointPort: 50051, targetPort: 50051, protocol: 'GRPC' as const }];
const client = workload({ name: 'grpc-client', app: 'grpc-client', ip: '10.0.0.5', ports: [], type: 'grpc' });
const greeters = ['v1', 'v2'].map((v, i) => workload({ name: `greeter-${v}`, app: 'greeter', version: v, ip: `10.0.7.${i + 1}`, ports: grpcPort }));
const f: MeshFixture = {
  workloads: [client, ...greeters],
  configs: [
    config('DestinationRule', 'greeter', { host: 'greeter', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
    config('VirtualService', 'greeter', { hosts: ['greeter'], http: [{ route: [{ destination: { host: 'greeter', subset: 'v1' }, weight: 75 }, { destination: { host: 'greeter', subset: 'v2' }, weight: 25 }] }] }),
  ],
};

describe('proxyless gRPC resources', () => {
  it('serves an api_listener and route configuration named after each target, matching the golden', () => {
    const out = translate(client, f);
    expect(out.Listener.map((l) => l['name'])).toEqual(['greeter.default.svc.cluster.local:50051']);
    const { expected, actual } = golden(TESTDATA, 'proxyless-grpc', { Listener: out.Listener, RouteConfiguration: out.RouteConfiguration });
    expect(actual).toEqual(expected);
  });

  it('encodes as valid xDS with a consistent snapshot', () => {
    expect(wireProblems(translate(client, f))).toEqual([]);
  });
});
