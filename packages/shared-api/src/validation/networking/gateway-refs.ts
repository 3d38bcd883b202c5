import type { Findings } from './findings.js';
import { checkFqdn, isDns1123Label } from './names.js';

/** The gateway name that means "the sidecars of the mesh". */
export const MESH_GATEWAY = 'mesh';

/**
 * Rule 6: gateway references are `namespace/name`, both DNS-1123 labels; the legacy form is a
 * bare FQDN (`mesh`, `my-gateway`, `my-gateway.istio-system.svc.cluster.local`).
 */
export function checkGatewayRefs(f: Findings, path: string, gateways: readonly string[] | undefined): void {
  for (const [i, g] of (gateways ?? []).entries()) {
    const at = `${path}[${i}]`;
    const slash = g.indexOf('/');
    if (slash < 0) {
      const err = checkFqdn(g);
      if (err) f.error(at, `gateway reference ${err}; use namespace/name or a gateway FQDN`);
      continue;
    }
    const ns = g.slice(0, slash);
    const name = g.slice(slash + 1);
    if (!ns || !name) {
      f.error(at, `gateway reference "${g}" must be namespace/name with neither part empty`);
      continue;
    }
    if (!isDns1123Label(ns)) f.error(at, `invalid namespace "${ns}" in gateway reference "${g}": it must be a DNS-1123 label`);
    if (!isDns1123Label(name)) f.error(at, `invalid gateway name "${name}" in gateway reference "${g}": it must be a DNS-1123 label (no dots)`);
  }
}
