import type { KindInfo } from './kinds.js';

/** security.istio.io, authentication.istio.io (1.4) and rbac.istio.io (1.4) kinds. */
export const SECURITY_KINDS: readonly KindInfo[] = [];
