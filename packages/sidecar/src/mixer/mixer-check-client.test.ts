import * as grpc from '@grpc/grpc-js';
import { freePort } from '@mesh/runtime/testing';
import { encodeAttributes, GLOBAL_DICTIONARY, GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { CheckRequestMessage, CheckResponseMessage } from '@mesh/shared-api';
import { MixerCheckClient } from './mixer-check-client.js';

type CheckHandler = (call: grpc.ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>, cb: grpc.sendUnaryData<CheckResponseMessage>) => void;

/** A real grpc-js server of istio.mixer.v1.Mixer whose Check does what the test says. */
async function mixerServer(check: CheckHandler, port = 0): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, { Check: check, Report: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}) });
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port: bound };
}

const OK_ANSWER: CheckResponseMessage = { precondition: { status: { code: 0, message: '' }, valid_duration: { seconds: '1', nanos: 0 }, valid_use_count: 1, referenced_attributes: { words: [], attribute_matches: [] } }, quotas: {} };

const request = (id: string): CheckRequestMessage => ({ attributes: encodeAttributes({ 'request.id': id, 'source.labels': { app: 'a' } }), global_word_count: GLOBAL_DICTIONARY.size, deduplication_id: id, quotas: {} });

describe('MixerCheckClient (grpc-js)', () => {
  const servers: grpc.Server[] = [];
  const clients: MixerCheckClient[] = [];
  const client = (port: number, backoff = { initialMs: 100, maxMs: 400 }): MixerCheckClient => {
    const c = new MixerCheckClient(`127.0.0.1:${port}`, backoff);
    clients.push(c);
    return c;
  };
  afterAll(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.forceShutdown();
  });

  it('sends the request as grpc-js servers read it and decodes the answer', async () => {
    const seen: CheckRequestMessage[] = [];
    const { server, port } = await mixerServer((call, cb) => {
      seen.push(call.request);
      cb(null, { precondition: { status: { code: 7, message: 'h:no ünïcode problem' }, valid_duration: { seconds: '5', nanos: 0 }, valid_use_count: 9, referenced_attributes: { words: ['app'], attribute_matches: [] } }, quotas: { q: { granted_amount: '3', valid_duration: { seconds: '1', nanos: 0 }, referenced_attributes: {} } } });
    });
    servers.push(server);
    const c = client(port);
    const results = await Promise.all([c.check(request('one'), 2000), c.check(request('two'), 2000)]);
    for (const r of results) {
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.response.precondition).toMatchObject({ status: { code: 7, message: 'h:no ünïcode problem' }, valid_use_count: 9, valid_duration: { seconds: '5' } });
      expect(r.response.quotas['q']).toMatchObject({ granted_amount: '3' });
    }
    expect(seen.map((s) => s.deduplication_id).sort()).toEqual(['one', 'two']);
    expect(seen[0]!.global_word_count).toBe(GLOBAL_DICTIONARY.size);
  });

  it('returns the gRPC status of a failed call and DEADLINE_EXCEEDED when Mixer does not answer in time', async () => {
    const { server, port } = await mixerServer((call, cb) => {
      if (call.request.deduplication_id === 'bad') cb({ code: grpc.status.INVALID_ARGUMENT, details: 'Check refused: bad words' });
      // 'slow': never answered within the deadline
      else setTimeout(() => cb(null, OK_ANSWER), 1500);
    });
    servers.push(server);
    const c = client(port);
    expect(await c.check(request('bad'), 2000)).toEqual({ ok: false, code: grpc.status.INVALID_ARGUMENT, details: 'Check refused: bad words' });
    const t0 = Date.now();
    expect(await c.check(request('slow'), 200)).toMatchObject({ ok: false, code: grpc.status.DEADLINE_EXCEEDED });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('fails at once while Mixer is down and reconnects once it is back', async () => {
    const port = await freePort();
    const c = client(port);
    const t0 = Date.now();
    expect(await c.check(request('x'), 5000)).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    // Within the reconnect back-off: fails at once too (waitForReady is off), it does not wait for the deadline.
    expect(await c.check(request('y'), 5000)).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    expect(Date.now() - t0).toBeLessThan(1000);
    const { server } = await mixerServer((_call, cb) => cb(null, OK_ANSWER), port);
    servers.push(server);
    const deadline = Date.now() + 5000;
    let r = await c.check(request('z'), 1000);
    while (!r.ok && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      r = await c.check(request('z'), 1000);
    }
    expect(r).toMatchObject({ ok: true, response: { precondition: { status: { code: 0 } } } });
    // Mixer goes away again: a call fails, it does not hang.
    server.forceShutdown();
    expect(await c.check(request('after'), 2000)).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
  });
});
