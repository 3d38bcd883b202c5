import type { PeerAuthenticationSpec } from '../../config/security.js';
import { peerAuthenticationSpecSchema } from '../../schemas/security/peer-authentication.js';
import type { SemanticValidator } from '../semantic.js';
import { at, Findings, normalize } from './fields.js';
import { checkSelector } from './selectors.js';

/** PeerAuthentication (today's kind): rule 40 and today's selector rule. */
export const validatePeerAuthentication: SemanticValidator = (raw) => {
  const f = new Findings();
  const spec = normalize<PeerAuthenticationSpec>(raw, peerAuthenticationSpecSchema, f);
  checkSelector(spec.selector, 'spec.selector', f);
  const ports = spec.portLevelMtls;
  if (ports !== undefined) {
    const keys = Object.keys(ports);
    // Rule 40: port-level mTLS only on a policy that selects workloads by label.
    if (keys.length > 0 && Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
      f.error('spec.portLevelMtls', 'port-level mTLS needs a workload selector with at least one label; a mesh- or namespace-wide policy sets spec.mtls only');
    }
    // Rule 40: present means at least one entry.
    if (keys.length === 0) f.error('spec.portLevelMtls', 'must list at least one port; remove portLevelMtls to use spec.mtls for every port');
    // Rule 40: keys are ports 1-65535.
    for (const key of keys) {
      if (!/^[0-9]+$/.test(key) || Number(key) < 1 || Number(key) > 65535) {
        f.error(at('spec.portLevelMtls', key), `"${key}" is not a port number; keys must be ports 1-65535`);
      }
    }
  }
  return f;
};
