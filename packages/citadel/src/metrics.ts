import type { ProcessMetrics } from '@mesh/runtime';

/** Why CreateCertificate refused a request: the `reason` label of `citadel_server_csr_refused_count`. */
export const REFUSAL_REASONS = ['unauthenticated', 'permission_denied', 'invalid_csr', 'invalid_request', 'internal'] as const;
/** One of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Citadel's metrics (Istio 1.4's names; Prometheus shows counters with a `_total` suffix). */
export interface CitadelMetrics {
  csrReceived(): void;
  certificateIssued(): void;
  refused(reason: RefusalReason): void;
}

/** Registers Citadel's instruments on the process meter. */
export function createCitadelMetrics(meter: ProcessMetrics['meter'], rootNotAfter: () => Date): CitadelMetrics {
  const csr = meter.createCounter('citadel_server_csr_count', { description: 'CSRs received by CreateCertificate' });
  const success = meter.createCounter('citadel_server_success_cert_issuance_count', { description: 'workload certificates issued' });
  const refused = meter.createCounter('citadel_server_csr_refused_count', { description: 'CSRs refused, by reason' });
  meter
    .createObservableGauge('citadel_server_root_cert_expiry_timestamp', { description: 'when the root certificate expires (Unix seconds)', unit: 's' })
    .addCallback((r) => r.observe(Math.floor(rootNotAfter().getTime() / 1000)));
  // Start every series at 0, so rates and alerts work before the first event.
  csr.add(0);
  success.add(0);
  for (const reason of REFUSAL_REASONS) refused.add(0, { reason });
  return {
    csrReceived: () => csr.add(1),
    certificateIssued: () => success.add(1),
    refused: (reason) => refused.add(1, { reason }),
  };
}
