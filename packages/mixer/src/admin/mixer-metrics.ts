import type { ProcessMetrics } from '@mesh/runtime';
import type { ReportKey } from '../report/report-ledger.js';

type Meter = ProcessMetrics['meter'];
type Counter = ReturnType<Meter['createCounter']>;

/** Outcome label of a Check or Report RPC. */
export type RpcOutcome = 'ok' | 'invalid_argument' | 'internal';

/**
 * Mixer's own counters, served on the admin server's /metrics. Label values come from the
 * report ledger's keys, so they are bounded the same way the ledger is.
 */
export class MixerMetrics {
  private readonly reportRequests: Counter;
  private readonly reportAttributes: Counter;
  private readonly reportedRequests: Counter;
  private readonly checkRequests: Counter;

  constructor(meter: Meter) {
    this.reportRequests = meter.createCounter('mixer_report_requests_total', { description: 'Report RPCs received, by outcome' });
    this.reportAttributes = meter.createCounter('mixer_report_attributes_total', {
      description: 'attribute sets received through Report (one per reported action)',
    });
    this.reportedRequests = meter.createCounter('mixer_reported_requests_total', {
      description: 'reported actions by destination service and response code',
    });
    this.checkRequests = meter.createCounter('mixer_check_requests_total', { description: 'Check RPCs received, by outcome' });
  }

  /** One Report RPC and the keys of the bags it carried. */
  report(outcome: RpcOutcome, keys: readonly ReportKey[] = []): void {
    this.reportRequests.add(1, { outcome });
    if (keys.length > 0) this.reportAttributes.add(keys.length);
    // Grouped first: one counter update per distinct key, not per bag (attribute hashing is the cost).
    const groups = new Map<string, { key: ReportKey; n: number }>();
    for (const key of keys) {
      const id = `${key.destinationService}\u0000${key.responseCode}`;
      const g = groups.get(id);
      if (g) g.n++;
      else groups.set(id, { key, n: 1 });
    }
    for (const { key, n } of groups.values()) {
      this.reportedRequests.add(n, { destination_service: key.destinationService, response_code: key.responseCode });
    }
  }

  /** One Check RPC. */
  check(outcome: RpcOutcome): void {
    this.checkRequests.add(1, { outcome });
  }
}
