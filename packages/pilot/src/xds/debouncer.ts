/**
 * Coalesces bursts of changes into one push (Istio's PILOT_DEBOUNCE_AFTER / _MAX): fires `quietMs`
 * after the last trigger, but never later than `maxMs` after the first one of the burst.
 */
export class Debouncer {
  private timer: NodeJS.Timeout | undefined;
  private firstAt: number | undefined;
  private lastAt = 0;
  private count = 0;

  constructor(
    private readonly quietMs: number,
    private readonly maxMs: number,
    /** Called with the time of the burst's first change and the number of changes in it. */
    private readonly fire: (firstAt: number, count: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one change. */
  trigger(): void {
    const now = this.now();
    this.firstAt ??= now;
    this.lastAt = now;
    this.count++;
    this.schedule();
  }

  /** Cancels a pending push. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstAt = undefined;
    this.count = 0;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const now = this.now();
    const wait = Math.max(0, Math.min(this.lastAt + this.quietMs, this.firstAt! + this.maxMs) - now);
    this.timer = setTimeout(() => this.onTimer(), wait);
  }

  private onTimer(): void {
    const now = this.now();
    // Timers can fire early relative to an injected clock; re-arm until a deadline has passed.
    if (now < this.lastAt + this.quietMs && now < this.firstAt! + this.maxMs) {
      this.schedule();
      return;
    }
    const firstAt = this.firstAt!;
    const count = this.count;
    this.timer = undefined;
    this.firstAt = undefined;
    this.count = 0;
    this.fire(firstAt, count);
  }
}
