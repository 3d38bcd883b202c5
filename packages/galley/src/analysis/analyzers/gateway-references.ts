import { parseGatewayRef } from '../hosts.js';
import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import { namespaceOf } from '../spec-access.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';
import { gatewayRefs } from './route-destinations.js';

/** A VirtualService is bound to a Gateway that does not exist (IST0101); `mesh` is the sidecars, never missing. */
export const gatewayReferenceAnalyzer: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'Gateways named by VirtualServices exist',
  needsInventory: false,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const vs of view.subjects('VirtualService')) {
      for (const { ref, field } of gatewayRefs(vs)) {
        if (ref === 'mesh') continue;
        const gw = parseGatewayRef(ref, namespaceOf(vs));
        if (view.gateway(gw.namespace, gw.name)) continue;
        out.push(
          newMessage(
            MESSAGE_TYPES.ReferencedResourceNotFound,
            view.ref(vs),
            field,
            `Referenced gateway not found: "${ref}". There is no Gateway ${gw.namespace}/${gw.name}, so these routes are never served. ` +
              'Create it, or fix the reference (<namespace>/<name>; a bare name means this VirtualService\'s namespace).',
          ),
        );
      }
    }
    return out;
  },
};
