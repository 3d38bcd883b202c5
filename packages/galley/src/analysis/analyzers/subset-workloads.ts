import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import { arr, formatLabels, labelMap, namespaceOf, obj, selects, str } from '../spec-access.js';
import type { MeshView } from '../mesh-view.js';
import type { Analyzer } from './analyzer.js';

/** At most this many distinct label sets are quoted in a message. */
const MAX_QUOTED = 3;

/**
 * A DestinationRule subset whose labels match none of the host's workloads (IST0127): traffic
 * routed to that subset has no endpoints and fails with 503. Hosts the inventory does not know,
 * and ServiceEntries without endpoints, are not judged.
 */
export const subsetWorkloadAnalyzer: Analyzer = {
  name: 'destinationrule.SubsetWorkloadAnalyzer',
  description: 'DestinationRule subsets select at least one workload of their host',
  needsInventory: true,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    for (const dr of view.subjects('DestinationRule')) {
      const host = str(dr.spec['host']);
      const subsets = arr(dr.spec['subsets']);
      if (!host || host.startsWith('*') || subsets.length === 0) continue;
      const ns = namespaceOf(dr);
      const fqdn = view.resolve(host, ns);
      const service = view.service(fqdn);
      let candidates: Array<Record<string, string>>;
      if (service) candidates = view.workloadsOf(service).map((w) => w.labels);
      else {
        const endpoints = view.serviceEntriesFor(fqdn, ns).flatMap((se) => arr(se.spec['endpoints']));
        if (endpoints.length === 0) continue;
        candidates = endpoints.map((e) => labelMap(obj(e)?.['labels']) ?? {});
      }
      for (const [i, s] of subsets.entries()) {
        const labels = labelMap(obj(s)?.['labels']);
        if (!labels || Object.keys(labels).length === 0) continue;
        if (candidates.some((c) => selects(labels, c))) continue;
        const name = str(obj(s)?.['name']) ?? String(i);
        const seen = [...new Set(candidates.map(formatLabels))];
        const have =
          seen.length === 0
            ? `${fqdn} has no running workloads`
            : `the workloads of ${fqdn} carry ${seen.slice(0, MAX_QUOTED).map((l) => `{${l}}`).join(', ')}${seen.length > MAX_QUOTED ? ` and ${seen.length - MAX_QUOTED} more label sets` : ''}`;
        out.push(
          newMessage(
            MESSAGE_TYPES.NoMatchingWorkloadsFound,
            view.ref(dr),
            `spec.subsets[${i}].labels`,
            `No matching workloads for subset "${name}" with the following labels: ${formatLabels(labels)}; ${have}. ` +
              'Requests routed to this subset fail with 503 until a workload matches: fix the labels, or deploy that version.',
          ),
        );
      }
    }
    return out;
  },
};
