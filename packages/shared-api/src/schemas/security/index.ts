import type { JsonSchema } from '../common.js';

/** `spec` schemas of security.istio.io, authentication.istio.io and rbac.istio.io kinds, by kind. */
export const SECURITY_SCHEMAS: Readonly<Record<string, JsonSchema>> = {};
