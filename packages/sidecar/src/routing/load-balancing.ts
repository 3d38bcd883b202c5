import type { WeightedClusterModel } from './route-model.js';

/** A source of uniform random numbers in [0, 1); injected so tests can fix the sequence. */
export type RandomSource = () => number;

/**
 * Picks one of a route's clusters in proportion to its weight (Envoy `weighted_clusters`).
 * The total is positive (the decoder rejects a zero total), so every call returns a cluster.
 */
export function pickWeighted(clusters: readonly WeightedClusterModel[], totalWeight: number, random: RandomSource): WeightedClusterModel {
  if (clusters.length === 1) return clusters[0]!;
  let point = random() * totalWeight;
  for (const c of clusters) {
    if (point < c.weight) return c;
    point -= c.weight;
  }
  // Only reachable through floating-point rounding at the top end: the last weighted cluster.
  for (let i = clusters.length - 1; i >= 0; i--) if (clusters[i]!.weight > 0) return clusters[i]!;
  return clusters[clusters.length - 1]!;
}
