import type { KindInfo } from './kinds.js';

/** config.istio.io/v1alpha2 kinds (Mixer's handler, instance, rule, and the legacy per-adapter/per-template kinds). */
export const POLICY_KINDS: readonly KindInfo[] = [];
