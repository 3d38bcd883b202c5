import type { ConfigResource } from '@mesh/shared-api';
import { exportsOverlap } from '../hosts.js';
import { MESSAGE_TYPES, newMessage } from '../messages.js';
import type { AnalysisMessage } from '../messages.js';
import type { MeshView } from '../mesh-view.js';
import { arr, namespaceOf } from '../spec-access.js';
import type { Analyzer } from './analyzer.js';
import { appliesToMesh } from './route-destinations.js';

/**
 * Two VirtualServices that apply to the mesh (sidecars) define the same host, and both are
 * visible in some namespace (exportTo): which one wins is undefined (IST0109). Reported on every
 * side of a conflict, also when only one side is being judged.
 */
export const conflictingMeshHostsAnalyzer: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'VirtualServices bound to the mesh do not define the same host',
  needsInventory: false,
  analyze(view: MeshView): AnalysisMessage[] {
    const out: AnalysisMessage[] = [];
    const id = (vs: ConfigResource): string => `${namespaceOf(vs)}/${vs.metadata.name}`;
    const exports = (vs: ConfigResource) => ({ exportTo: vs.spec['exportTo'], namespace: namespaceOf(vs) });
    /** The index of the host of `vs` that has one of `keys`, or -1. */
    const hostIndex = (vs: ConfigResource, keys: readonly string[]): number =>
      arr(vs.spec['hosts']).findIndex((h) => typeof h === 'string' && view.hostKeys(h, namespaceOf(vs)).some((k) => keys.includes(k)));
    for (const vs of view.subjects('VirtualService')) {
      if (!appliesToMesh(vs)) continue;
      for (const h of arr(vs.spec['hosts'])) {
        if (typeof h !== 'string') continue;
        const keys = view.hostKeys(h, namespaceOf(vs));
        const group = view.meshVirtualServices(keys);
        if (group.length < 2) continue;
        const host = view.resolve(h, namespaceOf(vs));
        for (const member of group) {
          const others = group.filter((o) => o !== member && exportsOverlap(exports(o), exports(member)));
          const index = hostIndex(member, keys);
          if (others.length === 0 || index < 0) continue;
          const names = [...new Set([member, ...others].map(id))].sort();
          out.push(
            newMessage(
              MESSAGE_TYPES.ConflictingMeshGatewayVirtualServiceHosts,
              view.ref(member),
              `spec.hosts[${index}]`,
              `The VirtualServices ${names.join(', ')} associated with mesh gateway define the same host ${host}, which leads to undefined behavior: ` +
                'merge them into one VirtualService, or narrow their exportTo.',
            ),
          );
        }
      }
    }
    return out;
  },
};
