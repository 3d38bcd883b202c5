import type { JsonSchema } from '../common.js';
import { enumOf, mapOf, message } from './message.js';
import { workloadSelectorSchema } from './workload.js';

/** PeerAuthentication's mutual TLS modes. */
export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;

const mutualTls = message({ mode: enumOf(MTLS_MODES) });

/** Schema of `PeerAuthentication.spec` (security.istio.io v1beta1 and v1). */
export const peerAuthenticationSpecSchema: JsonSchema = message({
  selector: workloadSelectorSchema,
  mtls: mutualTls,
  // Keys are port numbers; rule 40 checks them (JSON object keys are always strings).
  portLevelMtls: mapOf(mutualTls),
});
