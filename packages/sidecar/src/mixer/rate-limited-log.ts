/**
 * At most one log line per key per interval, so a Mixer outage or a flood of drops cannot flood
 * the sidecar's log; each line says how many similar events it stands for.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `emit` with the number of events suppressed since the last line, or counts this one. */
  maybe(key: string, emit: (suppressed: number) => void): void {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    emit(entry?.suppressed ?? 0);
  }
}
