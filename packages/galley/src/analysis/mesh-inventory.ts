import type { InventorySnapshot } from './snapshot.js';
import { mergeInventories, UNKNOWN_INVENTORY } from './snapshot.js';

/**
 * A source of the mesh's services and workloads for analysis. Implementations: the registry
 * bucket Pilot publishes (KvMeshInventory); a Kubernetes source (Services and Pods from the API
 * server, mapped with `inventoryFromKubernetes`) can be added beside it.
 */
export interface MeshInventory {
  /** The inventory as known now; never blocks. `available` is false until the source has loaded. */
  current(): InventorySnapshot;
}

/** A fixed inventory (tests, and files given to analyze). */
export class StaticMeshInventory implements MeshInventory {
  constructor(private readonly snapshot: InventorySnapshot = UNKNOWN_INVENTORY) {}

  current(): InventorySnapshot {
    return this.snapshot;
  }
}

/** Several sources seen as one: available when any is, services merged by hostname. */
export class CompositeMeshInventory implements MeshInventory {
  private last: { parts: InventorySnapshot[]; merged: InventorySnapshot } | undefined;

  constructor(private readonly sources: readonly MeshInventory[]) {}

  current(): InventorySnapshot {
    const parts = this.sources.map((s) => s.current());
    // Sources hand out the same snapshot until they change: so does this (analysis caches by identity).
    if (this.last && parts.every((p, i) => p === this.last!.parts[i])) return this.last.merged;
    this.last = { parts, merged: mergeInventories(parts) };
    return this.last.merged;
  }
}
