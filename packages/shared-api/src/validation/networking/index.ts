import type { SemanticValidator } from '../semantic.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateEnvoyFilter } from './envoy-filter.js';
import { validateGateway } from './gateway.js';
import { validateServiceEntry } from './service-entry.js';
import { validateSidecar } from './sidecar.js';
import { validateVirtualService } from './virtual-service.js';
import { validateProxyConfig, validateWorkloadEntry, validateWorkloadGroup } from './workload.js';

/** Semantic rules of the networking kinds, by kind. */
export const NETWORKING_VALIDATORS: Readonly<Record<string, SemanticValidator>> = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Gateway: validateGateway,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
  WorkloadEntry: validateWorkloadEntry,
  WorkloadGroup: validateWorkloadGroup,
  EnvoyFilter: validateEnvoyFilter,
  ProxyConfig: validateProxyConfig,
};
