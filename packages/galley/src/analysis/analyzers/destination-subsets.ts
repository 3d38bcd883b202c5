import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import { arr, namespaceOf, obj, str } from '../spec-access.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';
import { routeDestinations } from './route-destinations.js';

/**
 * A VirtualService routes (or mirrors) to a subset that no DestinationRule visible from its
 * namespace defines for that host (IST0101): Envoy has no such cluster, and requests get 503s.
 */
export const destinationSubsetAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'VirtualService destination subsets are defined by a DestinationRule for that host',
  needsInventory: false,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const vs of view.subjects('VirtualService')) {
      const ns = namespaceOf(vs);
      for (const d of routeDestinations(vs)) {
        if (d.subset === undefined) continue;
        const fqdn = view.resolve(d.host, ns);
        const rules = view.destinationRulesFor(fqdn, ns);
        const subsets = rules.flatMap((dr) => arr(dr.spec['subsets']).map((s) => str(obj(s)?.['name']))).filter((s): s is string => s !== undefined);
        if (subsets.includes(d.subset)) continue;
        const where =
          rules.length === 0
            ? `No DestinationRule visible in namespace ${ns} applies to host ${fqdn}`
            : `The DestinationRule${rules.length > 1 ? 's' : ''} for host ${fqdn} (${rules.map((r) => `${namespaceOf(r)}/${r.metadata.name}`).join(', ')}) define${rules.length > 1 ? '' : 's'} ${subsets.length ? `only ${subsets.join(', ')}` : 'no subsets'}`;
        out.push(
          newMessage(
            MESSAGE_TYPES.ReferencedResourceNotFound,
            view.ref(vs),
            `${d.field}.subset`,
            `Referenced host+subset in destinationrule not found: "${d.host}+${d.subset}". ${where}; requests routed here fail with 503. ` +
              'Define the subset in a DestinationRule for this host, or route to an existing subset.',
          ),
        );
      }
    }
    return out;
  },
};
