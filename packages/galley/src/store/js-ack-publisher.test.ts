import { jetstreamManager } from '@nats-io/jetstream';
import { headers, NoRespondersError, TimeoutError } from '@nats-io/transport-node';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { JsAckPublisher } from './js-ack-publisher.js';
import { isTransportFailure, isWrongLastSequence } from './kv-codec.js';

describe('JsAckPublisher', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let acks: JsAckPublisher;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'ack-test', timeoutMs: 5000, logger: silentLogger() });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ACKS', subjects: ['acks.>'] });
    acks = new JsAckPublisher(nc, 300);
  });

  afterAll(async () => {
    acks?.close();
    await nc?.close();
    await nats?.stop();
  });

  const expectLast = (seq: number) => {
    const h = headers();
    h.set('Nats-Expected-Last-Subject-Sequence', String(seq));
    return h;
  };

  it('resolves with the stream sequence of each stored message, many at once', async () => {
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => acks.publish(`acks.many.${i}`, `m${i}`, headers())));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('ACKS')).state.messages).toBe(50);
  });

  it('fails a lost compare-and-set with the JetStream error nats.js raises (recognised as such)', async () => {
    const first = await acks.publish('acks.cas', 'one', expectLast(0));
    const err = await acks.publish('acks.cas', 'two', expectLast(first + 5)).catch((e: unknown) => e);
    expect(isWrongLastSequence(err)).toBe(true);
    expect(await acks.publish('acks.cas', 'two', expectLast(first))).toBeGreaterThan(first);
  });

  it('fails with NoResponders when no stream stores the subject, and with a timeout when nothing answers', async () => {
    const none = await acks.publish('nostream.x', 'x', headers()).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(NoRespondersError);
    expect(isTransportFailure(none)).toBe(true);
    // A plain subscriber gives the subject interest but never answers.
    const silent = nc.subscribe('silent.x');
    const started = Date.now();
    const timedOut = await acks.publish('silent.x', 'x', headers()).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
    silent.unsubscribe();
  });

  it('fails what is still waiting when closed', async () => {
    const own = new JsAckPublisher(nc, 10_000);
    const silent = nc.subscribe('silent.y');
    const pending = own.publish('silent.y', 'y', headers()).catch((e: unknown) => e);
    own.close();
    expect(await pending).toBeInstanceOf(TimeoutError);
    silent.unsubscribe();
  });
});
