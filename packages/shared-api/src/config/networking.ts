/**
 * TypeScript shapes of the networking.istio.io specs, derived from their JSON Schemas with
 * json-schema-to-ts: the schemas are the single source, so a field added there is typed here.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { destinationRuleSpecSchema, subsetSchema } from '../schemas/networking/destination-rule.js';
import type { configPatchSchema, envoyFilterSpecSchema } from '../schemas/networking/envoy-filter.js';
import type { gatewaySpecSchema, serverSchema, serverTlsSchema } from '../schemas/networking/gateway.js';
import type { serviceEntrySpecSchema, workloadEntrySpecSchema } from '../schemas/networking/service-entry.js';
import type { egressListenerSchema, ingressListenerSchema, sidecarSpecSchema } from '../schemas/networking/sidecar.js';
import type {
  clientTlsSchema,
  connectionPoolSchema,
  loadBalancerSchema,
  localityLbSettingSchema,
  outlierDetectionSchema,
  portTrafficPolicySchema,
  trafficPolicySchema,
} from '../schemas/networking/traffic-policy.js';
import type {
  destinationSchema,
  headersSchema,
  httpMatchRequestSchema,
  httpRouteDestinationSchema,
  httpRouteSchema,
  stringMatchSchema,
  tcpRouteSchema,
  tlsRouteSchema,
  virtualServiceSpecSchema,
} from '../schemas/networking/virtual-service.js';
import type { proxyConfigSpecSchema, workloadGroupSpecSchema } from '../schemas/networking/workload.js';

/** `StringMatch`: exact, prefix or regex (RE2). */
export type StringMatch = FromSchema<typeof stringMatchSchema>;
/** `HTTPMatchRequest`. */
export type HttpMatchRequest = FromSchema<typeof httpMatchRequestSchema>;
/** `Destination`: host, subset, port. */
export type Destination = FromSchema<typeof destinationSchema>;
/** `Headers`: request/response header operations. */
export type Headers = FromSchema<typeof headersSchema>;
/** `HTTPRouteDestination`: a weighted destination of an HTTP route. */
export type HttpRouteDestination = FromSchema<typeof httpRouteDestinationSchema>;
/** `HTTPRoute`. */
export type HttpRoute = FromSchema<typeof httpRouteSchema>;
/** `TCPRoute`. */
export type TcpRoute = FromSchema<typeof tcpRouteSchema>;
/** `TLSRoute`. */
export type TlsRoute = FromSchema<typeof tlsRouteSchema>;
/** `VirtualService.spec`. */
export type VirtualServiceSpec = FromSchema<typeof virtualServiceSpecSchema>;

/** `TrafficPolicy`. */
export type TrafficPolicy = FromSchema<typeof trafficPolicySchema>;
/** `TrafficPolicy.PortTrafficPolicy`. */
export type PortTrafficPolicy = FromSchema<typeof portTrafficPolicySchema>;
/** `LoadBalancerSettings`. */
export type LoadBalancerSettings = FromSchema<typeof loadBalancerSchema>;
/** `LocalityLoadBalancerSetting`. */
export type LocalityLoadBalancerSetting = FromSchema<typeof localityLbSettingSchema>;
/** `ConnectionPoolSettings`. */
export type ConnectionPoolSettings = FromSchema<typeof connectionPoolSchema>;
/** `OutlierDetection`. */
export type OutlierDetection = FromSchema<typeof outlierDetectionSchema>;
/** `ClientTLSSettings`. */
export type ClientTlsSettings = FromSchema<typeof clientTlsSchema>;
/** `Subset`. */
export type Subset = FromSchema<typeof subsetSchema>;
/** `DestinationRule.spec`. */
export type DestinationRuleSpec = FromSchema<typeof destinationRuleSpecSchema>;

/** `ServerTLSSettings`. */
export type ServerTlsSettings = FromSchema<typeof serverTlsSchema>;
/** `Server` of a Gateway. */
export type GatewayServer = FromSchema<typeof serverSchema>;
/** `Gateway.spec`. */
export type GatewaySpec = FromSchema<typeof gatewaySpecSchema>;

/** `WorkloadEntry.spec` (also a ServiceEntry endpoint). */
export type WorkloadEntrySpec = FromSchema<typeof workloadEntrySpecSchema>;
/** `ServiceEntry.spec`. */
export type ServiceEntrySpec = FromSchema<typeof serviceEntrySpecSchema>;
/** `WorkloadGroup.spec`. */
export type WorkloadGroupSpec = FromSchema<typeof workloadGroupSpecSchema>;

/** `IstioIngressListener` of a Sidecar. */
export type SidecarIngressListener = FromSchema<typeof ingressListenerSchema>;
/** `IstioEgressListener` of a Sidecar. */
export type SidecarEgressListener = FromSchema<typeof egressListenerSchema>;
/** `Sidecar.spec`. */
export type SidecarSpec = FromSchema<typeof sidecarSpecSchema>;

/** `EnvoyFilter.EnvoyConfigObjectPatch`. */
export type EnvoyConfigObjectPatch = FromSchema<typeof configPatchSchema>;
/** `EnvoyFilter.spec`. */
export type EnvoyFilterSpec = FromSchema<typeof envoyFilterSpecSchema>;

/** `ProxyConfig.spec`. */
export type ProxyConfigSpec = FromSchema<typeof proxyConfigSpecSchema>;
