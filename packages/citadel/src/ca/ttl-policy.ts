/** How long certificates live: a default for requests that name no TTL, and a ceiling. */
export interface TtlPolicy {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

/** The TTL to issue, and whether the request was cut down to the ceiling; or why the request is invalid. */
export type TtlDecision = { ok: true; ttlSeconds: number; capped: boolean } | { ok: false; message: string };

/**
 * Resolves a requested validity (seconds; 0 or absent means "the default", as in Istio's
 * `validity_duration`). Requests above the ceiling are capped rather than refused, so an agent
 * configured for a longer TTL than this CA allows still gets a certificate.
 */
export function resolveTtl(requestedSeconds: number | undefined, policy: TtlPolicy): TtlDecision {
  if (requestedSeconds === undefined || requestedSeconds === 0) {
    const ttl = Math.min(policy.defaultTtlSeconds, policy.maxTtlSeconds);
    return { ok: true, ttlSeconds: ttl, capped: ttl < policy.defaultTtlSeconds };
  }
  if (!Number.isSafeInteger(requestedSeconds) || requestedSeconds < 0) {
    return { ok: false, message: `validity_duration must be a whole, non-negative number of seconds (got ${requestedSeconds})` };
  }
  if (requestedSeconds > policy.maxTtlSeconds) return { ok: true, ttlSeconds: policy.maxTtlSeconds, capped: true };
  return { ok: true, ttlSeconds: requestedSeconds, capped: false };
}
