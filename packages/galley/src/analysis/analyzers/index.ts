import type { Analyzer } from './analyzer.js';
import { conflictingMeshHostsAnalyzer } from './conflicting-mesh-hosts.js';
import { destinationHostAnalyzer } from './destination-hosts.js';
import { destinationSubsetAnalyzer } from './destination-subsets.js';
import { gatewayReferenceAnalyzer } from './gateway-references.js';
import { gatewayWorkloadAnalyzer } from './gateway-workloads.js';
import { schemaValidationAnalyzer } from './schema-validation.js';
import { subsetWorkloadAnalyzer } from './subset-workloads.js';

/** Cross-resource analyzers: what admission warnings run (validation already ran on the written object). */
export const CROSS_RESOURCE_ANALYZERS: readonly Analyzer[] = Object.freeze([
  destinationSubsetAnalyzer,
  destinationHostAnalyzer,
  gatewayReferenceAnalyzer,
  conflictingMeshHostsAnalyzer,
  subsetWorkloadAnalyzer,
  gatewayWorkloadAnalyzer,
]);

/** Every analyzer: the cross-resource ones plus schema validation (what the analyze endpoint runs). */
export const ALL_ANALYZERS: readonly Analyzer[] = Object.freeze([schemaValidationAnalyzer, ...CROSS_RESOURCE_ANALYZERS]);
