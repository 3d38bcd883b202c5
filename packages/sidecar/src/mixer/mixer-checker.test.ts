import * as grpc from '@grpc/grpc-js';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { decodeAttributes, durationOf, GLOBAL_DICTIONARY, GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { AttributeMap, AttrValue, CheckRequestMessage, CheckResponseMessage } from '@mesh/shared-api';
import { MixerChecker } from './mixer-checker.js';

/**
 * An in-test Mixer answering Check like the real one for a rule
 * `source.labels["app"] == "evil"` → PERMISSION_DENIED, and a quota of `limit` grants.
 */
class FakeCheckMixer {
  readonly checks: { bag: AttributeMap; request: CheckRequestMessage }[] = [];
  limit = Infinity;
  private granted = 0;
  private server: grpc.Server | undefined;

  async start(): Promise<number> {
    const server = new grpc.Server();
    server.addService(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, {
      Report: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
      Check: (call: grpc.ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>, cb: grpc.sendUnaryData<CheckResponseMessage>) => {
        const d = decodeAttributes(call.request.attributes ?? {}, call.request.global_word_count ?? 0);
        if (!d.ok) return cb({ code: grpc.status.INVALID_ARGUMENT, details: d.error });
        this.checks.push({ bag: d.bag, request: call.request });
        const app = (d.bag.get('source.labels') as Record<string, string> | undefined)?.['app'];
        const quotas: CheckResponseMessage['quotas'] = {};
        for (const [name, q] of Object.entries(call.request.quotas ?? {})) {
          const grant = this.granted + Number(q.amount) <= this.limit ? Number(q.amount) : 0;
          this.granted += grant;
          quotas[name] = { granted_amount: String(grant), valid_duration: durationOf(1000), referenced_attributes: {} };
        }
        cb(null, {
          precondition: {
            status: app === 'evil' ? { code: 7, message: 'denyevil.denier.default:Not allowed' } : { code: 0 },
            valid_duration: durationOf(60_000),
            valid_use_count: 3,
            // source.labels is a global word; "app" travels as a message word.
            referenced_attributes: { words: ['app'], attribute_matches: [{ name: wordIndex('source.labels'), condition: 'EXACT', map_key: -1 }] },
          },
          quotas,
        });
      },
    });
    this.server = server;
    const port = await freePort();
    return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  }

  stop(): void {
    this.server?.forceShutdown();
  }
}

function wordIndex(w: string): number {
  const i = GLOBAL_DICTIONARY.indexOf(w);
  if (i === undefined) throw new Error(`${w} is not a global word`);
  return i;
}

const bag = (app: string, extra: Record<string, AttrValue> = {}) => new Map<string, AttrValue>(Object.entries({ 'source.labels': { app }, 'request.id': String(Math.random()), ...extra }));

describe('MixerChecker', () => {
  const mixer = new FakeCheckMixer();
  let address = '';
  const checkers: MixerChecker[] = [];
  const checker = (opts: Partial<ConstructorParameters<typeof MixerChecker>[0]> = {}) => {
    const c = new MixerChecker({ address, logger: silentLogger(), ...opts });
    checkers.push(c);
    return c;
  };

  beforeAll(async () => {
    address = `127.0.0.1:${await mixer.start()}`;
  });
  afterAll(async () => {
    for (const c of checkers) await c.stop();
    mixer.stop();
  });

  it('denies with the HTTP status and body Istio uses, and caches by the referenced attributes', async () => {
    const c = checker();
    const before = mixer.checks.length;
    expect(await c.check(bag('evil'))).toEqual({ allow: false, status: 403, flag: 'UAEX', body: 'PERMISSION_DENIED:denyevil.denier.default:Not allowed' });
    expect(await c.check(bag('evil', { 'request.path': '/other' }))).toMatchObject({ allow: false, status: 403 });
    expect(await c.check(bag('good'))).toEqual({ allow: true });
    expect(await c.check(bag('good'))).toEqual({ allow: true });
    expect(mixer.checks.length - before).toBe(2);
    // valid_use_count 3: the Check's own request and two from the cache; the fourth asks again.
    await c.check(bag('good'));
    expect(mixer.checks.length - before).toBe(2);
    await c.check(bag('good'));
    expect(mixer.checks.length - before).toBe(3);
    expect(c.stats()).toMatchObject({ checks: 6, cacheHits: 3, denied: 2 });
    const sent = mixer.checks[before]!.request;
    expect(sent.deduplication_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('asks for the configured quota on every request and answers 429 when it is exhausted', async () => {
    mixer.limit = 2;
    const c = checker({ quotas: [{ name: 'requestcountquota', charge: 1 }] });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await c.check(bag('good')));
    expect(results.map((r) => (r.allow ? 200 : r.status))).toEqual([200, 200, 429, 429]);
    expect(results[3]).toMatchObject({ flag: 'RL', body: 'RESOURCE_EXHAUSTED:Quota is exhausted for: requestcountquota' });
    expect(mixer.checks.at(-1)!.request.quotas).toEqual({ requestcountquota: { amount: '1', best_effort: true } });
  });

  it('fails closed (503) or open, at once, when Mixer is down', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const closed = new MixerChecker({ address: down, logger: silentLogger(), timeoutMs: 2000 });
    const open = new MixerChecker({ address: down, logger: silentLogger(), failOpen: true, timeoutMs: 2000 });
    checkers.push(closed, open);
    const t0 = Date.now();
    expect(await closed.check(bag('good'))).toMatchObject({ allow: false, status: 503, body: expect.stringMatching(/^UNAVAILABLE:Mixer is unavailable/) });
    expect(await open.check(bag('good'))).toEqual({ allow: true });
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
