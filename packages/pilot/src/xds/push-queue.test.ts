import { PushQueue } from './push-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PushQueue', () => {
  it('runs at most `concurrency` tasks at once, in order', async () => {
    const q = new PushQueue(2, () => undefined);
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    for (const id of ['a', 'b', 'c', 'd']) {
      q.enqueue(id, () => {
        started.push(id);
        return new Promise<void>((r) => releases.set(id, r));
      });
    }
    expect(started).toEqual(['a', 'b']);
    expect(q.depth).toBe(2);
    expect(q.inFlight).toBe(2);
    releases.get('a')!();
    await tick();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    releases.get('b')!();
    releases.get('c')!();
    await tick();
    await tick();
    releases.get('d')!();
    await q.idle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps one queued task per id, the newest', async () => {
    const q = new PushQueue(1, () => undefined);
    const ran: string[] = [];
    let release!: () => void;
    q.enqueue('x', () => new Promise<void>((r) => (release = r)));
    q.enqueue('y', async () => void ran.push('y1'));
    q.enqueue('y', async () => void ran.push('y2'));
    expect(q.depth).toBe(1);
    release();
    await q.idle();
    expect(ran).toEqual(['y2']);
  });

  it('reports a failing task and goes on', async () => {
    const errors: string[] = [];
    const q = new PushQueue(1, (id) => errors.push(id));
    const ran: string[] = [];
    q.enqueue('bad', () => Promise.reject(new Error('boom')));
    q.enqueue('good', async () => void ran.push('good'));
    await q.idle();
    expect(errors).toEqual(['bad']);
    expect(ran).toEqual(['good']);
  });
});
