import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import { arr, namespaceOf, obj } from '../spec-access.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';
import { routeDestinations } from './route-destinations.js';

/**
 * A VirtualService routes (or mirrors) to a host that no registry service and no visible
 * ServiceEntry has (IST0101), to a port the service does not expose (IST0101 host:port), or,
 * without a port, to a service with several ports (IST0112).
 */
export const destinationHostAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'VirtualService destinations name an existing service (registry or ServiceEntry) and one of its ports',
  needsInventory: true,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const vs of view.subjects('VirtualService')) {
      const ns = namespaceOf(vs);
      const ref = view.ref(vs);
      for (const d of routeDestinations(vs)) {
        const fqdn = view.resolve(d.host, ns);
        const service = view.service(fqdn);
        let ports: number[];
        if (service) ports = service.ports.map((p) => p.port);
        else {
          const entries = [...new Set([...view.serviceEntriesFor(fqdn, ns), ...view.serviceEntriesFor(d.host, ns)])];
          if (entries.length === 0) {
            out.push(
              newMessage(
                MESSAGE_TYPES.ReferencedResourceNotFound,
                ref,
                `${d.field}.host`,
                `Referenced host not found: "${d.host}". No registered service is named ${fqdn} and no ServiceEntry visible in namespace ${ns} has this host; ` +
                  'traffic to it fails. Fix the host, deploy the service, or add a ServiceEntry for it.',
              ),
            );
            continue;
          }
          ports = entries.flatMap((se) => arr(se.spec['ports']).map((p) => obj(p)?.['number'])).filter((n): n is number => typeof n === 'number');
        }
        const distinct = [...new Set(ports)].sort((a, b) => a - b);
        if (d.port !== undefined) {
          if (distinct.length > 0 && !distinct.includes(d.port)) {
            out.push(
              newMessage(
                MESSAGE_TYPES.ReferencedResourceNotFound,
                ref,
                `${d.field}.port.number`,
                `Referenced host:port not found: "${d.host}:${d.port}". ${fqdn} exposes port${distinct.length > 1 ? 's' : ''} ${distinct.join(', ')}: route to one of them.`,
              ),
            );
          }
        } else if (distinct.length > 1) {
          out.push(
            newMessage(
              MESSAGE_TYPES.VirtualServiceDestinationPortSelectorRequired,
              ref,
              d.field,
              `This VirtualService routes to service "${d.host}" that exposes multiple ports [${distinct.join(', ')}]. Set port.number in the destination to pick one.`,
            ),
          );
        }
      }
    }
    return out;
  },
};
