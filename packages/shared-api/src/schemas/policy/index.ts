import type { JsonSchema } from '../common.js';

/** `spec` schemas of the config.istio.io (Mixer) kinds, by kind. */
export const POLICY_SCHEMAS: Readonly<Record<string, JsonSchema>> = {};
