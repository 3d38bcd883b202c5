import { durationOf } from '@mesh/shared-api';
import type { AttributeMap, CheckRequestMessage, CheckResponseMessage, QuotaResultMessage } from '@mesh/shared-api';

/** How long and how often a sidecar may reuse a Check result. */
export interface CheckValidity {
  validDurationMs: number;
  validUseCount: number;
}

/** Decides a Check from its decoded attributes: the seam where rules (issue 7) plug in. */
export type CheckPolicy = (bag: AttributeMap, request: CheckRequestMessage) => CheckResponseMessage | Promise<CheckResponseMessage>;

/**
 * The policy while Mixer has no rules: every precondition holds (google.rpc.Status OK), nothing
 * was referenced (so the client caches one result for any attributes), and every quota is
 * granted in full.
 */
export function allowAllPolicy(validity: CheckValidity): CheckPolicy {
  const validDuration = durationOf(validity.validDurationMs);
  return (_bag, request) => {
    const quotas: Record<string, QuotaResultMessage> = {};
    for (const [name, params] of Object.entries(request.quotas ?? {})) {
      quotas[name] = { valid_duration: validDuration, granted_amount: String(params.amount ?? 0), referenced_attributes: { words: [], attribute_matches: [] } };
    }
    return {
      precondition: {
        status: { code: 0, message: '' },
        valid_duration: validDuration,
        valid_use_count: validity.validUseCount,
        referenced_attributes: { words: [], attribute_matches: [] },
      },
      quotas,
    };
  };
}
