import * as grpc from '@grpc/grpc-js';
import { freePort, silentLogger } from '@mesh/runtime/testing';
import { decodeReportRequest, durationMs, GLOBAL_DICTIONARY_BASE_SIZE, GrpcServices, loadMixerPackageDefinition } from '@mesh/shared-api';
import type { AttributeMap, AttributeRecord, AttrValue, ReportRequestMessage } from '@mesh/shared-api';
import { MixerReporter } from './mixer-reporter.js';
import type { MixerReporterOptions } from './mixer-reporter.js';

/** An in-test Mixer: decodes every Report like the real one and records what arrived. */
class FakeMixer {
  readonly calls: AttributeMap[][] = [];
  readonly wordCounts: number[] = [];
  /** Answer every call with this status instead of OK; `hang` never answers. */
  behaviour: 'ok' | 'hang' | { code: grpc.status; details: string } = 'ok';
  /** Refuse requests using more global words than this, like a Mixer with an older dictionary. */
  knownWords = Infinity;
  private server: grpc.Server | undefined;
  private readonly hanging: grpc.sendUnaryData<object>[] = [];

  get received(): AttributeMap[] {
    return this.calls.flat();
  }

  async start(port = 0): Promise<number> {
    const server = new grpc.Server();
    server.addService(loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as grpc.ServiceDefinition, {
      Check: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb({ code: grpc.status.UNIMPLEMENTED }),
      Report: (call: grpc.ServerUnaryCall<ReportRequestMessage, object>, cb: grpc.sendUnaryData<object>) => {
        if (this.behaviour === 'hang') return void this.hanging.push(cb);
        if (this.behaviour !== 'ok') return cb({ code: this.behaviour.code, details: this.behaviour.details });
        const words = call.request.global_word_count ?? 0;
        if (words > this.knownWords) return cb({ code: grpc.status.INTERNAL, details: `inconsistent global dictionary versions used: mixer knows ${this.knownWords} words, caller knows ${words}` });
        const decoded = decodeReportRequest(call.request);
        if (!decoded.ok) return cb({ code: grpc.status.INVALID_ARGUMENT, details: decoded.error });
        this.calls.push(decoded.bags);
        this.wordCounts.push(words);
        cb(null, {});
      },
    });
    this.server = server;
    return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  }

  stop(): void {
    for (const cb of this.hanging.splice(0)) cb({ code: grpc.status.UNAVAILABLE });
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function action(i: number): AttributeRecord {
  return {
    'destination.service.host': 'shipping.default.svc.cluster.local',
    'destination.labels': { app: 'shipping', version: i % 2 ? 'v2' : 'v1' },
    'context.reporter.kind': 'outbound',
    'request.id': `req-${i}`,
    'response.code': i % 10 === 0 ? 503n : 200n,
    'response.duration': durationMs(i / 10),
  };
}

describe('MixerReporter', () => {
  const mixers: FakeMixer[] = [];
  const reporters: MixerReporter[] = [];

  /** A reporter and its Mixer; with `mixerDown` the Mixer's port is reserved but nothing listens yet. */
  async function setup(options: Partial<MixerReporterOptions> = {}, mixerDown = false): Promise<{ mixer: FakeMixer; reporter: MixerReporter; port: number }> {
    const mixer = new FakeMixer();
    mixers.push(mixer);
    const port = mixerDown ? await freePort() : await mixer.start();
    const reporter = new MixerReporter({ address: `127.0.0.1:${port}`, logger: silentLogger(), ...options });
    reporters.push(reporter);
    return { mixer, reporter, port };
  }

  afterEach(async () => {
    await Promise.all(reporters.splice(0).map((r) => r.stop()));
    for (const m of mixers.splice(0)) m.stop();
  });

  it('sends a batch as soon as it holds batchSize entries', async () => {
    const { mixer, reporter } = await setup({ batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 250; i++) reporter.report(action(i));
    await until(() => reporter.stats().sent === 200);
    expect(mixer.calls.map((c) => c.length)).toEqual([100, 100]);
    expect(reporter.stats()).toEqual({ queued: 50, sent: 200, dropped: 0, failed: 0 });
    // Delta-encoded on the wire, complete after decoding.
    expect(mixer.received.map((b) => b.get('request.id'))).toEqual(Array.from({ length: 200 }, (_, i) => `req-${i}`));
    expect(mixer.received[10]!.get('response.code')).toBe(503n);
    expect(mixer.received[11]!.get('destination.labels')).toEqual({ app: 'shipping', version: 'v2' });
  });

  it('sends a partial batch once its oldest entry has waited flushIntervalMs', async () => {
    const { mixer, reporter } = await setup({ batchSize: 100, flushIntervalMs: 200 });
    const start = Date.now();
    for (let i = 0; i < 5; i++) reporter.report(action(i));
    await new Promise((r) => setTimeout(r, 100));
    expect(mixer.calls).toHaveLength(0);
    await until(() => mixer.calls.length === 1);
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    expect(mixer.calls[0]).toHaveLength(5);
    // The fake Mixer records the batch before its reply reaches the reporter, which counts it then.
    await until(() => reporter.stats().sent === 5);
    expect(reporter.stats()).toEqual({ queued: 0, sent: 5, dropped: 0, failed: 0 });
  });

  it('drops and counts entries when the queue is full, without throwing', async () => {
    const { reporter } = await setup({ maxQueue: 10, batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 15; i++) expect(() => reporter.report(action(i))).not.toThrow();
    expect(reporter.stats()).toEqual({ queued: 10, sent: 0, dropped: 5, failed: 0 });
  });

  it('never throws on bad input or after stop, and counts what it dropped', async () => {
    const { reporter } = await setup({ flushIntervalMs: 60_000 });
    expect(() => reporter.report({ fn: (() => 1) as unknown as AttrValue })).not.toThrow();
    expect(() => reporter.report(null as unknown as AttributeRecord)).not.toThrow();
    await reporter.stop();
    expect(() => reporter.report(action(1))).not.toThrow();
    expect(reporter.stats()).toEqual({ queued: 0, sent: 0, dropped: 3, failed: 0 });
  });

  it('survives Mixer being down and delivers everything once it comes up', async () => {
    const { mixer, reporter, port } = await setup({ batchSize: 10, flushIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 200 }, true);
    for (let i = 0; i < 25; i++) reporter.report(action(i));
    await until(() => reporter.stats().failed >= 2);
    expect(reporter.stats()).toMatchObject({ queued: 25, sent: 0, dropped: 0 });
    for (let i = 25; i < 30; i++) reporter.report(action(i));
    await mixer.start(port);
    await until(() => reporter.stats().sent === 30, 10_000);
    expect(reporter.stats()).toMatchObject({ queued: 0, sent: 30, dropped: 0 });
    expect(new Set(mixer.received.map((b) => b.get('request.id'))).size).toBe(30);
  });

  it('drops a batch Mixer refuses as invalid instead of retrying it', async () => {
    const { mixer, reporter } = await setup({ batchSize: 5, flushIntervalMs: 60_000, retryBaseMs: 10 });
    mixer.behaviour = { code: grpc.status.INVALID_ARGUMENT, details: 'Report refused: no' };
    for (let i = 0; i < 5; i++) reporter.report(action(i));
    await until(() => reporter.stats().dropped === 5);
    mixer.behaviour = 'ok';
    for (let i = 5; i < 10; i++) reporter.report(action(i));
    await until(() => reporter.stats().sent === 5);
    expect(reporter.stats()).toEqual({ queued: 0, sent: 5, dropped: 5, failed: 1 });
  });

  it("falls back to the base dictionary when Mixer's is older", async () => {
    const { mixer, reporter } = await setup({ batchSize: 3, flushIntervalMs: 60_000 });
    mixer.knownWords = GLOBAL_DICTIONARY_BASE_SIZE;
    for (let i = 0; i < 3; i++) reporter.report(action(i));
    await until(() => reporter.stats().sent === 3);
    expect(mixer.wordCounts).toEqual([GLOBAL_DICTIONARY_BASE_SIZE]);
    expect(mixer.received[2]!.get('destination.service.host')).toBe('shipping.default.svc.cluster.local');
    expect(reporter.stats().failed).toBe(1);
  });

  it('stop() sends what is queued, then closes', async () => {
    const { mixer, reporter } = await setup({ batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 130; i++) reporter.report(action(i));
    await reporter.stop();
    expect(mixer.received).toHaveLength(130);
    expect(reporter.stats()).toEqual({ queued: 0, sent: 130, dropped: 0, failed: 0 });
    await expect(reporter.stop()).resolves.toBeUndefined();
  });

  it('stop() gives up after stopTimeoutMs when Mixer does not answer', async () => {
    const { mixer, reporter } = await setup({ batchSize: 10, flushIntervalMs: 60_000, callTimeoutMs: 10_000, stopTimeoutMs: 300 });
    mixer.behaviour = 'hang';
    for (let i = 0; i < 25; i++) reporter.report(action(i));
    const start = Date.now();
    await reporter.stop();
    expect(Date.now() - start).toBeLessThan(2000);
    expect(reporter.stats()).toEqual({ queued: 0, sent: 0, dropped: 25, failed: 0 });
  });
});
