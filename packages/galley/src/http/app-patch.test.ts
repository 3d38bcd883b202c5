import { connectNats } from '@mesh/runtime';
import type { NatsConnection } from '@mesh/runtime';
import { NatsServerProcess, silentLogger } from '@mesh/runtime/testing';
import type { LightMyRequestResponse } from 'fastify';
import { sampleVirtualService as vs } from '../testing/sample-objects.js';
import { createTestGalley } from '../testing/test-galley.js';
import type { TestGalley } from '../testing/test-galley.js';

const URL = '/apis/networking.istio.io/v1beta1/namespaces/patch/virtualservices';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = <T = Record<string, any>>(res: LightMyRequestResponse): T => res.json<T>();
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSONPATCH = { 'content-type': 'application/json-patch+json' };

describe('PATCH', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let galley: TestGalley;
  const patch = (name: string, payload: unknown, headers: Record<string, string>) =>
    galley.app.inject({ method: 'PATCH', url: `${URL}/${name}`, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers });
  const create = async (name: string) => body(await galley.app.inject({ method: 'POST', url: URL, payload: vs(name) }));

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    nc = await connectNats({ url: nats.url, name: 'patch-test', timeoutMs: 5000, logger: silentLogger() });
    galley = await createTestGalley({ nc });
  });
  afterAll(async () => {
    await galley.close();
    await nc.close();
    await nats.stop();
  });

  it('applies a JSON merge patch (RFC 7386): null removes, objects merge, arrays replace', async () => {
    const before = await create('merge');
    const res = await patch('merge', { metadata: { labels: { a: '1', b: '2' } }, spec: { hosts: ['shipping', 'shipping.example.com'] } }, MERGE);
    expect(res.statusCode).toBe(200);
    const after = body(res);
    expect(after.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(after.metadata).toMatchObject({ labels: { a: '1', b: '2' }, uid: before.metadata.uid, generation: 2 });
    expect(after.spec.hosts).toEqual(['shipping', 'shipping.example.com']);
    expect(after.spec.http).toEqual(before.spec.http);
    const removed = body(await patch('merge', { metadata: { labels: { a: null } } }, MERGE));
    expect(removed.metadata.labels).toEqual({ b: '2' });
  });

  it('applies a JSON Patch (RFC 6902), and a failing test operation changes nothing (422)', async () => {
    await create('jp');
    const ok = await patch('jp', [{ op: 'test', path: '/spec/hosts/0', value: 'shipping' }, { op: 'add', path: '/spec/hosts/-', value: 'extra' }], JSONPATCH);
    expect(ok.statusCode).toBe(200);
    expect(body(ok).spec.hosts).toEqual(['shipping', 'extra']);
    const failed = await patch('jp', [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }, { op: 'test', path: '/spec/hosts/0', value: 'nope' }], JSONPATCH);
    expect(failed.statusCode).toBe(422);
    expect(body(failed)).toMatchObject({ kind: 'Status', reason: 'Invalid', message: expect.stringContaining('test failed'), details: { causes: [{ field: 'patch' }] } });
    const current = body(await galley.app.inject({ method: 'GET', url: `${URL}/jp` }));
    expect(current.metadata.labels).toBeUndefined();
    expect((await patch('jp', { op: 'add' }, JSONPATCH)).statusCode).toBe(400);
    expect((await patch('jp', [{ op: 'remove', path: '/nothing/here' }], JSONPATCH)).statusCode).toBe(422);
  });

  it('refuses strategic merge and server-side apply patches with 415 and an explanation', async () => {
    await create('smp');
    const res = await patch('smp', { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(res.statusCode).toBe(415);
    expect(body(res)).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', message: expect.stringContaining('strategic merge patch is not supported for custom resources') });
    const ssa = await patch('smp', 'metadata: {}', { 'content-type': 'application/apply-patch+yaml' });
    expect(ssa.statusCode).toBe(415);
    expect(body(ssa).message).toContain('server-side apply is not supported');
    expect((await patch('smp', '{}', { 'content-type': 'text/plain' })).statusCode).toBe(415);
  });

  it('validates the patched object like a PUT (422, nothing stored) and refuses renames (400)', async () => {
    await create('val');
    const res = await patch('val', { spec: { http: [{ route: [{ destination: { host: 'x' }, weight: 101 }] }] } }, MERGE);
    expect(res.statusCode).toBe(422);
    expect(body(res).details.causes).toContainEqual(expect.objectContaining({ field: 'spec.http[0].route[0].weight' }));
    expect((await patch('val', { metadata: { name: 'other' } }, MERGE)).statusCode).toBe(400);
    expect((await patch('missing', { metadata: { labels: { a: 'b' } } }, MERGE)).statusCode).toBe(404);
  });

  it('answers 409 for a pinned stale resourceVersion, and re-applies an unpinned patch after a concurrent write', async () => {
    const first = await create('cas');
    await patch('cas', { metadata: { labels: { step: '1' } } }, MERGE);
    const stale = await patch('cas', { metadata: { resourceVersion: first.metadata.resourceVersion, labels: { step: '2' } } }, MERGE);
    expect(stale.statusCode).toBe(409);
    expect(body(stale)).toMatchObject({ reason: 'Conflict' });
    // Many unpinned patches at once: every one lands (retried on conflict), none is lost.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => patch('cas', { metadata: { labels: { [`k${i}`]: 'v' } } }, MERGE)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const labels = body(await galley.app.inject({ method: 'GET', url: `${URL}/cas` })).metadata.labels;
    expect(Object.keys(labels).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'step']);
  });

  it("starts from this replica's own last write, yet loses no write made through another replica since", async () => {
    const other = await createTestGalley({ nc });
    try {
      await create('replicas');
      const mine = body(await patch('replicas', { metadata: { labels: { here: '1' } } }, MERGE));
      // Replica B changes the object: this replica's remembered copy is now stale.
      const theirs = await other.app.inject({ method: 'PATCH', url: `${URL}/replicas`, payload: JSON.stringify({ metadata: { labels: { there: '1' } } }), headers: MERGE });
      expect(theirs.statusCode).toBe(200);
      const current = body(theirs).metadata.resourceVersion as string;
      expect(Number(current)).toBeGreaterThan(Number(mine.metadata.resourceVersion));
      // An unpinned patch here is applied to B's version, not to the remembered one.
      const next = body(await patch('replicas', { metadata: { labels: { again: '1' } } }, MERGE));
      expect(next.metadata.labels).toEqual({ here: '1', there: '1', again: '1' });
      // A patch pinned to the object's real resourceVersion succeeds although the remembered copy was stale.
      await other.app.inject({ method: 'PATCH', url: `${URL}/replicas`, payload: JSON.stringify({ metadata: { labels: { there: '2' } } }), headers: MERGE });
      const real = body(await other.app.inject({ method: 'GET', url: `${URL}/replicas` })).metadata.resourceVersion as string;
      const pinned = await patch('replicas', { metadata: { resourceVersion: real, labels: { pinned: '1' } } }, MERGE);
      expect(pinned.statusCode).toBe(200);
      expect(body(pinned).metadata.labels).toEqual({ here: '1', there: '2', again: '1', pinned: '1' });
      // Deleted through B: a patch here is 404, not applied to the remembered copy.
      expect((await other.app.inject({ method: 'DELETE', url: `${URL}/replicas` })).statusCode).toBe(200);
      expect((await patch('replicas', { metadata: { labels: { late: '1' } } }, MERGE)).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });
});
