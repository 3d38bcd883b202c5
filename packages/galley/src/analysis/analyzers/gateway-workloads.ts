import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import { arr, formatLabels, labelMap, obj, selects } from '../spec-access.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';

/**
 * A Gateway whose selector matches no workload (IST0101 selector): nothing serves it. When some
 * workloads match, each server port must be a port of a service in front of them (IST0104).
 * Gateways select workloads in every namespace, as in Istio 1.4.
 */
export const gatewayWorkloadAnalyzer: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Gateway selectors match a gateway workload that exposes every server port',
  needsInventory: true,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const gw of view.subjects('Gateway')) {
      const selector = labelMap(gw.spec['selector']) ?? {};
      if (Object.keys(selector).length === 0) continue;
      const sel = formatLabels(selector);
      const matching = view.workloads.filter((w) => selects(selector, w.labels));
      if (matching.length === 0) {
        out.push(
          newMessage(
            MESSAGE_TYPES.ReferencedResourceNotFound,
            view.ref(gw),
            'spec.selector',
            `Referenced selector not found: "${sel}". No gateway workload has these labels, so this Gateway is served by nothing: ` +
              'fix the selector, or deploy a gateway with these labels.',
          ),
        );
        continue;
      }
      const exposed = new Set(matching.flatMap((w) => view.servicesOf(w)).flatMap((s) => s.ports.map((p) => p.port)));
      for (const [i, server] of arr(gw.spec['servers']).entries()) {
        const port = obj(obj(server)?.['port'])?.['number'];
        if (typeof port !== 'number' || exposed.has(port)) continue;
        out.push(
          newMessage(
            MESSAGE_TYPES.GatewayPortNotOnWorkload,
            view.ref(gw),
            `spec.servers[${i}].port.number`,
            `The gateway refers to a port that is not exposed on the workload (pod selector ${sel}; port ${port}): ` +
              `expose ${port} on the gateway's service${exposed.size ? ` (it exposes ${[...exposed].sort((a, b) => a - b).join(', ')})` : ''}, or use one of its ports.`,
          ),
        );
      }
    }
    return out;
  },
};
