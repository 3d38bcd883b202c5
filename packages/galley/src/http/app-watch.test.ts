import http from 'node:http';
import { Kvm } from '@nats-io/kv';
import { CONFIG_BUCKET } from '@mesh/shared-api';
import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import { sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

const V = '/apis/networking.istio.io/v1alpha3';

interface WatchEvent {
  type: string;
  object: { apiVersion: string; metadata: { name: string; resourceVersion: string; labels?: Record<string, string> } };
}

/** A watch over real HTTP (node:http without keep-alive, so no pooled socket outlives the test): collects events as they stream in. */
function openWatch(base: string, path: string): Promise<{ status: number; events: WatchEvent[]; waitFor(n: number, ms?: number): Promise<WatchEvent[]>; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: false }, (res) => {
      const events: WatchEvent[] = [];
      let buffered = '';
      const ended = new Promise<void>((done) => {
        res.on('close', () => done());
        res.on('error', () => done());
      });
      res.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffered.slice(0, nl)) as WatchEvent);
          buffered = buffered.slice(nl + 1);
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        close: () => req.destroy(),
        waitFor: async (n, ms = 3000) => {
          const deadline = Date.now() + ms;
          while (events.length < n) {
            if (Date.now() > deadline) throw new Error(`expected ${n} watch events, got ${JSON.stringify(events.map((e) => [e.type, e.object.metadata.name]))}`);
            await new Promise((r) => setTimeout(r, 10));
          }
          return events.slice(0, n);
        },
      });
    });
    req.on('error', reject);
  });
}

describe('watch', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  let base: string;
  // Writes go through inject: the watches under test are the only real HTTP connections.
  const post = async (ns: string, obj: unknown) => (await galley.app.inject({ method: 'POST', url: `${V}/namespaces/${ns}/virtualservices`, payload: obj as object })).json<WatchEvent['object']>();
  const mergePatch = (ns: string, name: string, patch: unknown) =>
    galley.app.inject({ method: 'PATCH', url: `${V}/namespaces/${ns}/virtualservices/${name}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(patch) });
  const del = (ns: string, name: string) => galley.app.inject({ method: 'DELETE', url: `${V}/namespaces/${ns}/virtualservices/${name}` });
  const summary = (evs: WatchEvent[]) => evs.map((e) => `${e.type} ${e.object.metadata.name}`);

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'watch-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({ nc });
    await galley.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = galley.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  it('streams the current objects as ADDED, then every change, as chunked JSON lines', async () => {
    await post('w1', vs('existing'));
    const w = await openWatch(base, `${V}/namespaces/w1/virtualservices?watch=true`);
    expect(w.status).toBe(200);
    await w.waitFor(1);
    await post('w1', vs('new'));
    await mergePatch('w1', 'new', { metadata: { labels: { a: 'b' } } });
    await del('w1', 'existing');
    await post('other-ns', vs('elsewhere'));
    const got = await w.waitFor(4);
    expect(summary(got)).toEqual(['ADDED existing', 'ADDED new', 'MODIFIED new', 'DELETED existing']);
    expect(got[2]!.object.metadata.labels).toEqual({ a: 'b' });
    expect(got[0]!.object.apiVersion).toBe('networking.istio.io/v1alpha3');
    w.close();
  });

  it('resumes after a resourceVersion: only later changes, none repeated', async () => {
    const a = await post('w2', vs('a'));
    await mergePatch('w2', 'a', { metadata: { labels: { n: '1' } } });
    const w = await openWatch(base, `${V}/namespaces/w2/virtualservices?watch=1&resourceVersion=${a.metadata.resourceVersion}`);
    await mergePatch('w2', 'a', { metadata: { labels: { n: '2' } } });
    const got = await w.waitFor(2);
    expect(got.map((e) => [e.type, e.object.metadata.labels])).toEqual([
      ['MODIFIED', { n: '1' }],
      ['MODIFIED', { n: '2' }],
    ]);
    expect(Number(got[0]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    w.close();
  });

  it('applies selectors, turning objects that stop or start matching into DELETED and ADDED', async () => {
    await post('w3', vs('x', { labels: { team: 'a' } }));
    await post('w3', vs('y', { labels: { team: 'b' } }));
    const w = await openWatch(base, `${V}/namespaces/w3/virtualservices?watch=true&labelSelector=team%3Da`);
    await w.waitFor(1);
    await mergePatch('w3', 'x', { metadata: { labels: { team: 'b' } } });
    await mergePatch('w3', 'y', { metadata: { labels: { team: 'a' } } });
    await mergePatch('w3', 'y', { metadata: { labels: { team: 'a', more: '1' } } });
    expect(summary(await w.waitFor(4))).toEqual(['ADDED x', 'DELETED x', 'ADDED y', 'MODIFIED y']);
    w.close();
    const byName = await openWatch(base, `${V}/namespaces/w3/virtualservices?watch=true&fieldSelector=metadata.name%3Dy`);
    expect(summary(await byName.waitFor(1))).toEqual(['ADDED y']);
    byName.close();
  });

  it('serves the legacy /watch/ paths and watches across namespaces', async () => {
    const w = await openWatch(base, `${V}/watch/namespaces/w4/virtualservices/one`);
    const all = await openWatch(base, `${V}/watch/virtualservices?resourceVersion=${(await galley.store.revisionWindow()).last}`);
    await post('w4', vs('two'));
    await post('w4', vs('one'));
    expect(summary(await w.waitFor(1))).toEqual(['ADDED one']);
    expect(summary(await all.waitFor(2))).toEqual(['ADDED two', 'ADDED one']);
    w.close();
    all.close();
  });

  it('ends the stream after timeoutSeconds, and when the app closes', async () => {
    const started = Date.now();
    const w = await openWatch(base, `${V}/namespaces/w5/virtualservices?watch=true&timeoutSeconds=1`);
    await w.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);

    const g3 = await createTestGalley({ nc });
    await g3.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = g3.app.server.address();
    const open = await openWatch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, `${V}/namespaces/w5/virtualservices?watch=true`);
    const closing = Date.now();
    await g3.close();
    await open.ended;
    expect(Date.now() - closing).toBeLessThan(2000);
  });

  it('answers 410 Expired for a resourceVersion older than the store holds, and 400 for a malformed one', async () => {
    // A fresh NATS: one key written 13 times drops its oldest revisions (history 10), so the stream starts at 4.
    const nats2 = await NatsServerProcess.start();
    const nc2 = await connectNats({ url: nats2.url, name: 'watch-410', timeoutMs: 5000, logger: silentLogger() });
    const g2 = await createTestGalley({ nc: nc2 });
    try {
      const created = (await g2.app.inject({ method: 'POST', url: `${V}/namespaces/old/virtualservices`, payload: vs('churn') })).json<WatchEvent['object']>();
      for (let i = 0; i < 12; i++) {
        await g2.app.inject({ method: 'PATCH', url: `${V}/namespaces/old/virtualservices/churn`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ metadata: { labels: { i: String(i) } } }) });
      }
      const status = await (await new Kvm(nc2).open(CONFIG_BUCKET)).status();
      expect(status.streamInfo.state.first_seq).toBeGreaterThan(Number(created.metadata.resourceVersion) + 1);
      const res = await g2.app.inject({ method: 'GET', url: `${V}/namespaces/old/virtualservices?watch=true&resourceVersion=${created.metadata.resourceVersion}` });
      expect(res.statusCode).toBe(410);
      expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410, message: expect.stringContaining('too old resource version') });
      const bad = await g2.app.inject({ method: 'GET', url: `${V}/namespaces/old/virtualservices?watch=true&resourceVersion=abc` });
      expect(bad.statusCode).toBe(400);
    } finally {
      await g2.close();
      await nc2.close();
      await nats2.stop();
    }
  });
});
