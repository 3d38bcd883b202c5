import * as grpc from '@grpc/grpc-js';
import { clusterOf, featureConfig } from '../../testing/feature-config.js';
import { SidecarHarness } from '../../testing/sidecar-harness.js';

const SVC = clusterOf('svc', 'grpc');
const json = { serialize: (v: unknown) => Buffer.from(JSON.stringify(v)), deserialize: (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown> };

/** A gRPC service without .proto files: JSON messages, one unary and one server-streaming method. */
const SERVICE: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
  Count: { path: '/test.Echo/Count', requestStream: false, responseStream: true, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};

describe('gRPC through the sidecar (h2c, trailers, retries, deadlines)', () => {
  const h = new SidecarHarness();
  const server = new grpc.Server();
  const failures = new Map<string, number>();
  let client: grpc.Client;

  function unary(msg: Record<string, unknown>, deadlineMs?: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const opts = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      client.makeUnaryRequest('/test.Echo/Echo', json.serialize, json.deserialize, msg, new grpc.Metadata(), opts, (err, res) => (err ? reject(err) : resolve(res!)));
    });
  }

  beforeAll(async () => {
    server.addService(SERVICE, {
      Echo: (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const req = call.request;
        const key = String(req['key'] ?? '');
        const failFirst = Number(req['failFirst'] ?? 0);
        const n = (failures.get(key) ?? 0) + 1;
        failures.set(key, n);
        if (n <= failFirst) return cb({ code: grpc.status.UNAVAILABLE, details: 'try again' });
        if (req['status']) return cb({ code: Number(req['status']), details: 'as asked' });
        const reply = () => cb(null, { echo: req, authority: call.getPeer() !== '' ? 'ok' : '' });
        if (req['delayMs']) setTimeout(reply, Number(req['delayMs']));
        else reply();
      },
      Count: (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => {
        for (let i = 0; i < Number(call.request['n']); i++) call.write({ i });
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    await h.start(
      featureConfig({
        clusters: [{ name: SVC, endpoints: [['127.0.0.1', port]], cluster: { http2_protocol_options: {} } }],
        // Istio 1.4's default route for a gRPC port: no timeout, grpc-timeout honoured, retries on UNAVAILABLE.
        routes: [
          {
            match: { prefix: '/' },
            route: {
              cluster: SVC,
              timeout: {},
              max_grpc_timeout: {},
              retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,resource-exhausted,retriable-status-codes', num_retries: { value: 2 }, retriable_status_codes: [503] },
            },
          },
        ],
      }),
    );
    client = new grpc.Client(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'svc' });
  });
  afterAll(async () => {
    client.close();
    await h.stop();
    server.forceShutdown();
  });

  it('carries unary calls', async () => {
    expect(await unary({ hello: 'world' })).toMatchObject({ echo: { hello: 'world' } });
  });

  it('carries server-streaming calls to the end', async () => {
    const got: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.makeServerStreamRequest('/test.Echo/Count', json.serialize, json.deserialize, { n: 5 }, new grpc.Metadata(), {});
      call.on('data', (d: unknown) => got.push(d));
      call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve() : reject(new Error(s.details))));
      call.on('error', reject);
    });
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
  });

  it('passes gRPC error statuses (trailers) through', async () => {
    await expect(unary({ status: grpc.status.NOT_FOUND })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'as asked' });
  });

  it('retries UNAVAILABLE under the retry policy', async () => {
    expect(await unary({ key: 'r1', failFirst: 2 })).toMatchObject({ echo: { key: 'r1' } });
    expect(failures.get('r1')).toBe(3);
    await expect(unary({ key: 'r2', failFirst: 5 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('answers gRPC requests it cannot route with a gRPC status, as Envoy maps local replies', async () => {
    const lost = new grpc.Client(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'nowhere' });
    const err = await new Promise<grpc.ServiceError>((resolve) => lost.makeUnaryRequest('/test.Echo/Echo', json.serialize, json.deserialize, {}, (e) => resolve(e!)));
    lost.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('honours the client deadline through grpc-timeout', async () => {
    await expect(unary({ delayMs: 1000 }, 200)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });
});
