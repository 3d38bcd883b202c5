/**
 * Istio's push queue: pushes to proxies wait here and at most `concurrency` run at once (Istio's
 * PILOT_PUSH_THROTTLE), so a push to thousands of proxies never monopolises the event loop or
 * buffers every response at once; a proxy queued again before its turn keeps one entry (the newer
 * task replaces the older). First in, first out.
 */
export class PushQueue {
  private readonly queued = new Map<string, () => Promise<void>>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    /** Called with each failure of a task (the queue goes on). */
    private readonly onError: (id: string, err: unknown) => void,
  ) {
    if (!(concurrency >= 1)) throw new RangeError(`push concurrency must be at least 1 (got ${concurrency})`);
  }

  /** Queues (or replaces the queued) task of `id`. */
  enqueue(id: string, task: () => Promise<void>): void {
    if (this.stopped) return;
    // Re-inserting moves nothing: a replaced task keeps its place in line.
    this.queued.set(id, task);
    this.pump();
  }

  /** Drops the queued task of `id` (its proxy went away). */
  remove(id: string): void {
    this.queued.delete(id);
  }

  /** Whether a task of `id` waits (not yet running). */
  has(id: string): boolean {
    return this.queued.has(id);
  }

  /** Tasks waiting (not running). */
  get depth(): number {
    return this.queued.size;
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queued.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drops everything queued and runs nothing more. */
  stop(): void {
    this.stopped = true;
    this.queued.clear();
    this.wakeIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.queued.size > 0) {
      const [id, task] = this.queued.entries().next().value as [string, () => Promise<void>];
      this.queued.delete(id);
      this.running++;
      void this.run(id, task);
    }
    this.wakeIdle();
  }

  private async run(id: string, task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (err) {
      this.onError(id, err);
    } finally {
      this.running--;
      // Yield between tasks so requests (ACKs) and other I/O are served during a large push.
      setImmediate(() => this.pump());
    }
  }

  private wakeIdle(): void {
    if (this.queued.size > 0 || this.running > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
