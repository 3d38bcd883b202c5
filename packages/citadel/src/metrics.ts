import type { ProcessMetrics } from '@mesh/runtime';

/** Why CreateCertificate refused a request: the `reason` label of `citadel_server_csr_refused_count`. */
export const REFUSAL_REASONS = ['unauthenticated', 'permission_denied', 'invalid_csr', 'invalid_request', 'auth_unavailable', 'internal'] as const;
/** One of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Citadel's metrics (Istio 1.4's names; Prometheus shows counters with a `_total` suffix). */
export interface CitadelMetrics {
  csrReceived(): void;
  certificateIssued(): void;
  refused(reason: RefusalReason): void;
}

/** Registers Citadel's instruments on the process meter; `expiry` reads the root's and the signing chain's expiry. */
export function createCitadelMetrics(meter: ProcessMetrics['meter'], expiry: { root: () => Date; chain: () => Date }): CitadelMetrics {
  const csr = meter.createCounter('citadel_server_csr_count', { description: 'CSRs received by CreateCertificate' });
  const success = meter.createCounter('citadel_server_success_cert_issuance_count', { description: 'workload certificates issued' });
  const refused = meter.createCounter('citadel_server_csr_refused_count', { description: 'CSRs refused, by reason' });
  meter
    .createObservableGauge('citadel_server_root_cert_expiry_timestamp', { description: 'when the root certificate expires (Unix seconds)', unit: 's' })
    .addCallback((r) => r.observe(Math.floor(expiry.root().getTime() / 1000)));
  // Istio's name (1.9+) for the issuer's expiry: the signing certificate, or one above it if earlier.
  meter
    .createObservableGauge('citadel_server_cert_chain_expiry_timestamp', { description: 'when the CA signing certificate chain expires (Unix seconds); no workload certificate outlives it', unit: 's' })
    .addCallback((r) => r.observe(Math.floor(expiry.chain().getTime() / 1000)));
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
