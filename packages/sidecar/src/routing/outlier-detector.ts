import type { OutlierDetectionModel } from './cluster-model.js';
import type { RandomSource } from './load-balancing.js';

/** What one upstream attempt told about a host. Local-origin failures count as 5xx (Envoy without split_external_local_origin_errors). */
export type HostOutcome = { readonly kind: 'response'; readonly status: number } | { readonly kind: 'connect-failure' | 'timeout' | 'reset' };

/** Why a host was ejected (Envoy's `outlier_detection.ejections_enforced_<type>` stat names). */
export type EjectionType = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'success_rate' | 'failure_percentage';

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  /** Times ejected; multiplies the ejection time, decays while healthy. */
  ejections: number;
  ejectedAt: number | undefined;
  successes: number;
  failures: number;
}

/**
 * Envoy's outlier detection (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier):
 * consecutive 5xx and consecutive gateway failures eject a host at once; success-rate and
 * failure-percentage ejections and the return of ejected hosts happen at interval sweeps. An
 * ejection lasts `base_ejection_time × times ejected` (capped by `max_ejection_time`); at most
 * `max_ejection_percent` of hosts are ejected, but always at least one may be. No timers: sweeps
 * run lazily on the injected clock, so the detector is pure and testable.
 */
export class OutlierDetector {
  private readonly hosts = new Map<string, HostState>();
  private nextSweep: number;
  private ejectedCount = 0;

  constructor(
    private readonly config: OutlierDetectionModel,
    private readonly now: () => number,
    private readonly random: RandomSource,
    private readonly onEject: (host: string, type: EjectionType) => void = () => undefined,
  ) {
    this.nextSweep = now() + config.intervalMs;
  }

  /** Tracks exactly these hosts; state of hosts that left is dropped. */
  setHosts(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const k of keep) if (!this.hosts.has(k)) this.hosts.set(k, { consecutive5xx: 0, consecutiveGateway: 0, ejections: 0, ejectedAt: undefined, successes: 0, failures: 0 });
    for (const [k, s] of this.hosts) {
      if (keep.has(k)) continue;
      if (s.ejectedAt !== undefined) this.ejectedCount--;
      this.hosts.delete(k);
    }
  }

  /** True while the host is ejected. */
  isEjected(key: string): boolean {
    this.sweepDue();
    return this.hosts.get(key)?.ejectedAt !== undefined;
  }

  /** Hosts ejected right now. */
  get ejectionsActive(): number {
    this.sweepDue();
    return this.ejectedCount;
  }

  /** Records one attempt's outcome; may eject the host at once. */
  report(key: string, outcome: HostOutcome): void {
    this.sweepDue();
    const s = this.hosts.get(key);
    if (!s) return;
    const status = outcome.kind === 'response' ? outcome.status : outcome.kind === 'timeout' ? 504 : 503;
    if (status < 500) {
      s.successes++;
      s.consecutive5xx = 0;
      s.consecutiveGateway = 0;
      return;
    }
    s.failures++;
    if (status === 502 || status === 503 || status === 504) {
      if (++s.consecutiveGateway === this.config.consecutiveGatewayFailure) this.tryEject(key, s, 'consecutive_gateway_failure', this.config.enforcingConsecutiveGatewayFailure);
    } else s.consecutiveGateway = 0;
    if (++s.consecutive5xx === this.config.consecutive5xx) this.tryEject(key, s, 'consecutive_5xx', this.config.enforcingConsecutive5xx);
  }

  private tryEject(key: string, s: HostState, type: EjectionType, enforcingPercent: number): void {
    if (s.ejectedAt !== undefined) return;
    if (this.random() * 100 >= enforcingPercent) return;
    const total = this.hosts.size;
    const wouldBe = (100 * (this.ejectedCount + 1)) / total;
    if (wouldBe > this.config.maxEjectionPercent && this.ejectedCount > 0) return;
    s.ejectedAt = this.now();
    s.ejections++;
    this.ejectedCount++;
    this.onEject(key, type);
  }

  private sweepDue(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    const interval = this.config.intervalMs;
    // After a long idle period one sweep stands for all the missed ones.
    if (now - this.nextSweep > 100 * interval) this.nextSweep = now - interval;
    while (this.nextSweep <= now) {
      this.sweep(this.nextSweep);
      this.nextSweep += interval;
    }
  }

  private sweep(at: number): void {
    const c = this.config;
    for (const s of this.hosts.values()) {
      if (s.ejectedAt === undefined) {
        if (s.ejections > 0) s.ejections--;
        continue;
      }
      const ejectFor = Math.min(c.baseEjectionTimeMs * s.ejections, c.maxEjectionTimeMs);
      if (at - s.ejectedAt >= ejectFor) {
        s.ejectedAt = undefined;
        s.consecutive5xx = 0;
        s.consecutiveGateway = 0;
        this.ejectedCount--;
      }
    }
    this.successRateEjections();
    this.failurePercentageEjections();
    for (const s of this.hosts.values()) {
      s.successes = 0;
      s.failures = 0;
    }
  }

  private volumeHosts(volume: number): Array<[string, HostState, number]> {
    const out: Array<[string, HostState, number]> = [];
    for (const [k, s] of this.hosts) {
      const n = s.successes + s.failures;
      if (s.ejectedAt === undefined && n >= volume && n > 0) out.push([k, s, (100 * s.successes) / n]);
    }
    return out;
  }

  private successRateEjections(): void {
    const sr = this.config.successRate;
    if (sr.enforcing === 0) return;
    const hosts = this.volumeHosts(sr.requestVolume);
    if (hosts.length < sr.minimumHosts || hosts.length === 0) return;
    const mean = hosts.reduce((a, [, , r]) => a + r, 0) / hosts.length;
    const stdev = Math.sqrt(hosts.reduce((a, [, , r]) => a + (r - mean) ** 2, 0) / hosts.length);
    const threshold = mean - sr.stdevFactor * stdev;
    for (const [k, s, rate] of hosts) if (rate < threshold) this.tryEject(k, s, 'success_rate', sr.enforcing);
  }

  private failurePercentageEjections(): void {
    const fp = this.config.failurePercentage;
    if (fp.enforcing === 0) return;
    const hosts = this.volumeHosts(fp.requestVolume);
    if (hosts.length < fp.minimumHosts) return;
    for (const [k, s, rate] of hosts) if (100 - rate >= fp.threshold) this.tryEject(k, s, 'failure_percentage', fp.enforcing);
  }
}
