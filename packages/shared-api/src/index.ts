/** @mesh/shared-api: the contracts every mesh component meets through. */
export { KINDS, kindByApiVersion, kindByPlural, splitApiVersion } from './config/kinds.js';
export type { KindInfo } from './config/kinds.js';
export type { ConfigEvent, ConfigEventType, ConfigResource, ObjectMeta } from './config/resource.js';
export type {
  Destination,
  DestinationRuleSpec,
  HttpMatchRequest,
  HttpRoute,
  HttpRouteDestination,
  StringMatch,
  Subset,
  VirtualServiceSpec,
} from './config/networking.js';
export { configKey, configKeyPrefix, parseConfigKey } from './config/keys.js';
export { fieldPath, validateResource } from './config/validate.js';
export { SPEC_SCHEMAS } from './schemas/index.js';
export type { JsonSchema } from './schemas/common.js';
export { CONFIG_BUCKET, CONFIG_EVENTS_SUBJECT, TRUST_BUNDLE_SUBJECT } from './nats.js';
export { ErrorCodes, MeshError } from './errors.js';
export type { ErrorCode, FieldViolation } from './errors.js';
export type { ValidationResult } from './validation-result.js';
export { messageNameOf, resourceTypeOf, TypeUrls, XDS_PUSH_ORDER } from './xds/type-urls.js';
export type { XdsResourceType } from './xds/type-urls.js';
export { loadAdsPackageDefinition, packAny, PROTO_LOADER_OPTIONS, unpackAny, xdsProtoIncludeDirs, xdsRoot } from './xds/protos.js';
export type { AnyMessage } from './xds/protos.js';
export {
  INBOUND_LISTENER,
  inboundClusterName,
  OUTBOUND_LISTENER,
  outboundClusterName,
  outboundRouteName,
  parseOutboundClusterName,
  serviceFqdn,
} from './xds/names.js';
export { parseWorkloadMetadata } from './xds/node-metadata.js';
export type { WorkloadMetadata, WorkloadPort } from './xds/node-metadata.js';
export { GrpcServices, loadCitadelPackageDefinition, loadMixerPackageDefinition, meshProtoDir } from './proto/index.js';
