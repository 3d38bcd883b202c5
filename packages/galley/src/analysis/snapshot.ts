import type { ConfigResource, RegistryService, RegistryWorkload } from '@mesh/shared-api';
import type { ConfigLookup } from './config-index.js';

/**
 * The services and workloads the mesh knows (from Pilot's registry bucket, a Kubernetes watch,
 * or the Services and Pods in files given to analyze). `available` is false when no source has
 * answered yet: analyzers that need it then stay silent rather than report everything missing.
 */
export interface InventorySnapshot {
  readonly available: boolean;
  readonly services: readonly RegistryService[];
  readonly workloads: readonly RegistryWorkload[];
}

/** Everything one analysis run looks at: all config (every namespace) plus the inventory. */
export interface AnalysisSnapshot {
  /** All config: a list, or an index (Galley keeps one up to date as the bucket changes). */
  readonly config: readonly ConfigResource[] | ConfigLookup;
  readonly inventory: InventorySnapshot;
  /** DNS suffix of service hosts (`cluster.local`): short hosts resolve to `<name>.<ns>.svc.<suffix>`. */
  readonly domainSuffix: string;
}

/** An inventory no source has filled: inventory-based analyzers stay silent. */
export const UNKNOWN_INVENTORY: InventorySnapshot = Object.freeze({ available: false, services: [], workloads: [] });

/** Merges inventories (a hostname known to several keeps the union of their ports). */
export function mergeInventories(parts: readonly InventorySnapshot[]): InventorySnapshot {
  const available = parts.some((p) => p.available);
  const byHost = new Map<string, RegistryService>();
  for (const p of parts) {
    for (const s of p.services) {
      const prev = byHost.get(s.hostname);
      if (!prev) {
        byHost.set(s.hostname, { ...s, ports: [...s.ports] });
        continue;
      }
      for (const port of s.ports) if (!prev.ports.some((q) => q.port === port.port)) prev.ports.push(port);
      if (!prev.selector && s.selector) prev.selector = s.selector;
    }
  }
  for (const s of byHost.values()) s.ports.sort((a, b) => a.port - b.port);
  return { available, services: [...byHost.values()], workloads: parts.flatMap((p) => p.workloads) };
}
