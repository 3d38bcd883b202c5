/**
 * Exponential backoff with jitter for reconnecting to the control plane: each failure doubles the
 * delay up to `maxMs`; a successful exchange resets it. Jitter (±20 %) keeps a fleet of sidecars
 * from reconnecting in lockstep after Pilot restarts.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 200,
    private readonly maxMs = 5000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt (and counts the attempt). */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    return Math.min(this.maxMs, Math.round(base * (0.8 + 0.4 * this.random())));
  }

  /** How many attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
