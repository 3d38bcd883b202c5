import type { ProcessMetrics } from '@mesh/runtime';

/** What Galley counts; the HTTP edge records, the admin server's /metrics exposes. */
export interface GalleyMetrics {
  /** One API request answered, by method and HTTP status code. */
  recordRequest(method: string, code: number): void;
  /** One submitted object rejected as invalid (422), by kind. */
  recordValidationFailure(kind: string): void;
}

/** Galley's counters on the process meter: `galley_requests_total`, `galley_validation_failures_total`. */
export function createGalleyMetrics(meter: ProcessMetrics['meter']): GalleyMetrics {
  const requests = meter.createCounter('galley_requests_total', { description: 'config API requests answered, by method and HTTP status code' });
  const validationFailures = meter.createCounter('galley_validation_failures_total', { description: 'submitted config objects rejected as invalid, by kind' });
  return {
    recordRequest: (method, code) => requests.add(1, { method, code: String(code) }),
    recordValidationFailure: (kind) => validationFailures.add(1, { kind }),
  };
}

/** Metrics that record nothing (tests that do not look at metrics). */
export const NOOP_GALLEY_METRICS: GalleyMetrics = Object.freeze({
  recordRequest: () => undefined,
  recordValidationFailure: () => undefined,
});
