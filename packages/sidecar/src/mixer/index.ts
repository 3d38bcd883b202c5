/** The sidecar's Mixer client: batched, delta-encoded Report off the request path. */
export { MixerReporter } from './mixer-reporter.js';
export type { MixerReporterOptions, MixerReporterStats, ReporterLogger } from './mixer-reporter.js';
export { MixerObserver, requestAttributes } from './request-attributes.js';
export type { ReporterIdentity } from './request-attributes.js';
