/** The sidecar's Mixer client: Check before forwarding (cached), batched delta-encoded Report off the request path. */
export { MixerReporter } from './mixer-reporter.js';
export type { MixerReporterOptions, MixerReporterStats, ReporterLogger } from './mixer-reporter.js';
export { MixerObserver, requestAttributes } from './request-attributes.js';
export type { ReporterIdentity } from './request-attributes.js';
export { CheckCache, decodeReferenced, keyOf } from './check-cache.js';
export type { Reference } from './check-cache.js';
export { denial, MixerChecker, parseQuotaCharges } from './mixer-checker.js';
export type { MixerCheckerOptions, MixerCheckerStats, PolicyDecision, QuotaCharge } from './mixer-checker.js';
export { checkAttributes, mixerPolicyCheck } from './policy-check.js';
