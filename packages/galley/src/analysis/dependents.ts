import type { ConfigResource } from '@mesh/shared-api';
import { routeDestinations } from './analyzers/route-destinations.js';
import { hostMatches } from './hosts.js';
import type { MeshView } from './mesh-view.js';
import { arr, namespaceOf, resourceKey, str } from './spec-access.js';

/**
 * Keys of the objects whose findings writing `written` can change, besides the written objects:
 * VirtualServices routing to a host a written DestinationRule or ServiceEntry covers, or bound to
 * a written Gateway; DestinationRules for a host a written ServiceEntry covers. (Host conflicts
 * need nothing here: that analyzer reports every side of a judged VirtualService.) Indexed: the
 * cost follows the number of dependents, not the size of the config.
 */
export function dependentsOf(view: MeshView, written: readonly ConfigResource[]): Set<string> {
  const found = new Set<ConfigResource>();
  const config = view.config;
  /** Objects of `table` with a host `host` covers (or, for a wildcard, that covers it). */
  const covered = (table: 'destHost' | 'drHost', host: string): void => {
    config.lookup(table, host).forEach((r) => found.add(r));
    if (host.startsWith('*')) for (const k of config.keys(table)) if (hostMatches(host, k)) config.lookup(table, k).forEach((r) => found.add(r));
    for (const r of config.wildcards(table)) {
      const hosts = table === 'drHost' ? [str(r.spec['host']) ?? ''] : routeDestinations(r).map((d) => d.host);
      if (hosts.some((h) => h.startsWith('*') && (hostMatches(h, host) || hostMatches(host, h)))) found.add(r);
    }
  };
  for (const w of written) {
    const ns = namespaceOf(w);
    if (w.kind === 'DestinationRule') {
      const host = str(w.spec['host']);
      if (host) for (const k of view.hostKeys(host, ns)) covered('destHost', k);
    } else if (w.kind === 'ServiceEntry') {
      for (const h of arr(w.spec['hosts'])) {
        if (typeof h !== 'string') continue;
        for (const k of view.hostKeys(h, ns)) {
          covered('destHost', k);
          covered('drHost', k);
        }
      }
    } else if (w.kind === 'Gateway') {
      config.lookup('gatewayRef', `${ns}/${w.metadata.name}`).forEach((r) => found.add(r));
    }
  }
  return new Set([...found].map(resourceKey));
}
