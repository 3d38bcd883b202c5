import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { KvFollower } from './kv-follower.js';
import { connectNats } from './nats.js';
import type { NatsConnection } from './nats.js';
import { NatsServerProcess } from './nats-server.js';
import { silentLogger } from './testing/silent-logger.js';

describe('KvFollower', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let observer: NatsConnection;
  let kv: KV;
  let follower: KvFollower;
  const copy = new Map<string, string>();

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'follower-test', timeoutMs: 5000, logger: silentLogger() });
    observer = await connectNats({ url: nats.url, name: 'follower-observer', timeoutMs: 5000, logger: silentLogger() });
    kv = await new Kvm(jetstream(nc)).create('follower-test', { history: 5 });
    await kv.put('a', 'one');
    follower = new KvFollower({
      nc,
      bucket: 'follower-test',
      logger: silentLogger(),
      handler: {
        reset: (entries: ReadonlyMap<string, KvWatchEntry>) => {
          copy.clear();
          for (const [k, e] of entries) copy.set(k, e.string());
        },
        change: (e: KvWatchEntry) => (e.operation === 'PUT' ? copy.set(e.key, e.string()) : copy.delete(e.key)),
      },
    });
    follower.start();
    expect(await follower.catchUp(5000)).toBe(true);
  }, 20_000);

  afterAll(async () => {
    await follower?.stop();
    await observer?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('loads the bucket, then sees a write once catchUp resolves', async () => {
    expect(copy.get('a')).toBe('one');
    await kv.put('b', 'two');
    expect(await follower.catchUp(5000)).toBe(true);
    expect(copy.get('b')).toBe('two');
  });

  it('waits for a known revision without asking the server', async () => {
    const asked: string[] = [];
    const sub = observer.subscribe('$JS.API.STREAM.INFO.>', { callback: (_err, m) => void asked.push(m.subject) });
    await observer.flush();
    const revision = await kv.put('c', 'three');
    expect(await follower.waitForRevision(revision, 5000)).toBe(true);
    expect(copy.get('c')).toBe('three');
    // A revision the bucket does not hold yet is not waited for past the deadline.
    expect(await follower.waitForRevision(revision + 100, 200)).toBe(false);
    await observer.flush();
    sub.unsubscribe();
    expect(asked).toEqual([]);
  });

  it('serves a burst of concurrent catch-ups with shared stream-info requests, one in flight at a time, each covering the writes before it', async () => {
    // The observer sees each stream-info request and, on `_INBOX.>`, its reply: requests in flight over
    // time. (The server may hand the observer a reply before its copy of the request: not in flight.)
    let inFlight = 0;
    let maxInFlight = 0;
    let requests = 0;
    const open = new Set<string>();
    const answered = new Set<string>();
    const reqs = observer.subscribe('$JS.API.STREAM.INFO.>', {
      callback: (_err, m) => {
        requests++;
        if (!m.reply || answered.delete(m.reply)) return;
        open.add(m.reply);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      },
    });
    const replies = observer.subscribe('_INBOX.>', {
      callback: (_err, m) => {
        if (open.delete(m.subject)) inFlight--;
        else answered.add(m.subject);
      },
    });
    await observer.flush();
    await Promise.all(Array.from({ length: 20 }, (_, i) => kv.put(`burst-${i}`, String(i))));
    const all = () => Array.from({ length: 20 }, (_, i) => copy.get(`burst-${i}`) === String(i)).every(Boolean);
    const calls: Array<Promise<boolean>> = [];
    for (let i = 0; i < 20; i++) {
      // Read your writes: once a caller's catch-up resolves, every key written before it asked is in the copy.
      calls.push(follower.catchUp(5000).then((ok) => ok && all()));
      // Callers arrive in different turns of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(calls);
    await observer.flush();
    reqs.unsubscribe();
    replies.unsubscribe();
    expect(results).toEqual(Array.from({ length: 20 }, () => true));
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThanOrEqual(20);
    expect(maxInFlight).toBe(1);
  });
});
