import type { EndpointModel, WeightedClusterModel } from './model.js';

/** A source of uniform random numbers in [0, 1); injected so tests can fix the sequence. */
export type RandomSource = () => number;

/**
 * Picks one of a route's clusters in proportion to its weight (Envoy `weighted_clusters`).
 * The total is positive (the decoder rejects a zero total), so every call returns a cluster.
 */
export function pickWeighted(clusters: readonly WeightedClusterModel[], totalWeight: number, random: RandomSource): string {
  if (clusters.length === 1) return clusters[0]!.name;
  let point = random() * totalWeight;
  for (const c of clusters) {
    if (point < c.weight) return c.name;
    point -= c.weight;
  }
  // Only reachable through floating-point rounding at the top end: the last weighted cluster.
  for (let i = clusters.length - 1; i >= 0; i--) if (clusters[i]!.weight > 0) return clusters[i]!.name;
  return clusters[clusters.length - 1]!.name;
}

/**
 * Round-robin positions per cluster. Kept outside the (replaced-on-every-update) routing table so
 * that frequent endpoint pushes do not send every first request to the same endpoint.
 */
export class RoundRobin {
  private readonly next = new Map<string, number>();

  /** The next endpoint of the cluster, or undefined when it has none. */
  pick(cluster: string, endpoints: readonly EndpointModel[]): EndpointModel | undefined {
    if (endpoints.length === 0) return undefined;
    const i = (this.next.get(cluster) ?? 0) % endpoints.length;
    this.next.set(cluster, i + 1);
    return endpoints[i];
  }

  /** Forgets clusters that no longer exist. */
  retain(clusters: ReadonlySet<string>): void {
    for (const name of this.next.keys()) if (!clusters.has(name)) this.next.delete(name);
  }
}
