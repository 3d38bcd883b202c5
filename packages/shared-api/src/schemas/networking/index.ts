import type { JsonSchema } from '../common.js';
import { destinationRuleSpecSchema } from './destination-rule.js';
import { envoyFilterSpecSchema } from './envoy-filter.js';
import { gatewaySpecSchema } from './gateway.js';
import { serviceEntrySpecSchema, workloadEntrySpecSchema } from './service-entry.js';
import { sidecarSpecSchema } from './sidecar.js';
import { virtualServiceSpecSchema } from './virtual-service.js';
import { proxyConfigSpecSchema, workloadGroupSpecSchema } from './workload.js';

/** `spec` schemas of the networking.istio.io kinds, by kind. */
export const NETWORKING_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  VirtualService: virtualServiceSpecSchema,
  DestinationRule: destinationRuleSpecSchema,
  Gateway: gatewaySpecSchema,
  ServiceEntry: serviceEntrySpecSchema,
  Sidecar: sidecarSpecSchema,
  WorkloadEntry: workloadEntrySpecSchema,
  WorkloadGroup: workloadGroupSpecSchema,
  EnvoyFilter: envoyFilterSpecSchema,
  ProxyConfig: proxyConfigSpecSchema,
};
