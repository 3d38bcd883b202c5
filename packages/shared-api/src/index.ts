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
export { CLUSTER_SCOPE_TOKEN, configKey, configKeyPrefix, parseConfigKey } from './config/keys.js';
export { fieldPath, precompileValidators, validateResource } from './config/validate.js';
export { SPEC_SCHEMAS } from './schemas/index.js';
export { SEMANTIC_VALIDATORS } from './validation/index.js';
export type { SemanticContext, SemanticFindings, SemanticValidator } from './validation/semantic.js';
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
export { jsonToStruct, structToJson } from './xds/struct.js';
export type { StructMessage, StructValue } from './xds/struct.js';
export { InvalidSpiffeIdError, isValidTrustDomain, parseSpiffeId, spiffeId } from './identity/spiffe.js';
export type { SpiffeIdentity } from './identity/spiffe.js';
export type { WorkloadMetadata, WorkloadPort } from './xds/node-metadata.js';
export { GrpcServices, loadCitadelPackageDefinition, loadMixerPackageDefinition, meshProtoDir } from './proto/index.js';
export { AttrDuration, attrKindOf, attrValuesEqual, durationMs, INT64_MAX, INT64_MIN } from './mixer/attribute-value.js';
export type { AttrKind, AttrStringMap, AttrValue } from './mixer/attribute-value.js';
export { ATTRIBUTE_VOCABULARY, REPORTER_KINDS } from './mixer/attribute-vocabulary.js';
export type { AttrKindValues, AttributeRecord, KnownAttributeName, KnownAttributes } from './mixer/attribute-vocabulary.js';
export { AttributeTypeError, bagEntries, decodeAttributes, dictionaryMismatch, durationOf, encodeAttributes, MessageWords, timestampOf } from './mixer/attribute-codec.js';
export type { AttributeBag, AttributeMap, DecodeOptions, DecodeResult } from './mixer/attribute-codec.js';
export { decodeReportRequest, encodeReportRequest } from './mixer/report-codec.js';
export { decodeReportRequestWire } from './mixer/report-wire.js';
export type { EncodeReportOptions, ReportDecodeFailure, ReportDecodeResult } from './mixer/report-codec.js';
export { GLOBAL_DICTIONARY, GLOBAL_DICTIONARY_BASE_SIZE, GLOBAL_WORDS, GlobalDictionary } from './mixer/global-words.js';
export { REPEATED_ATTRIBUTES_SEMANTICS } from './mixer/messages.js';
export type {
  AdapterCheckResult,
  AdapterEnv,
  AdapterHandler,
  AdapterInstance,
  AdapterLogger,
  AdapterQuotaArgs,
  AdapterQuotaResult,
  AdapterStatus,
  InstanceValue,
  MixerAdapter,
  MixerAdapterApiVersion,
  MixerAdapterModule,
  TemplateName,
} from './mixer/adapter-api.js';
export type {
  CheckRequestMessage,
  CheckResponseMessage,
  CompressedAttributesMessage,
  DurationMessage,
  PreconditionResultMessage,
  QuotaParamsMessage,
  QuotaResultMessage,
  ReferencedAttributesMessage,
  ReferencedCondition,
  RepeatedAttributesSemantics,
  ReportRequestMessage,
  RpcStatusMessage,
  StringMapMessage,
  TimestampMessage,
} from './mixer/messages.js';
export { REGISTRY_BUCKET } from './nats.js';
export {
  decodeRegistryEntry,
  isRegistryPublisherId,
  REGISTRY_ENTRY_MAX_AGE_MS,
  REGISTRY_REFRESH_MS,
  registryPublisherFilters,
  registryPublisherId,
  registryServiceKey,
  registryWorkloadKey,
} from './registry/mesh-registry.js';
export type { RegistryEntry, RegistryService, RegistryServicePort, RegistryWorkload } from './registry/mesh-registry.js';
export type {
  AccessRule,
  AuthenticationPolicySpec,
  AuthnJwt,
  AuthnStringMatch,
  AuthorizationPolicySpec,
  AuthzAction,
  AuthzCondition,
  AuthzOperation,
  AuthzRule,
  AuthzSource,
  JwtRule,
  MtlsMode,
  PeerAuthenticationSpec,
  PolicyTargetReference,
  RbacConfigSpec,
  RbacSubject,
  RequestAuthenticationSpec,
  ServiceRoleBindingSpec,
  ServiceRoleSpec,
  WorkloadSelector,
} from './config/security.js';
export type {
  AdapterInfoSpec,
  AttributeManifestSpec,
  HandlerConnection,
  HandlerSpec,
  HeaderOperation,
  HttpApiSpec,
  HttpApiSpecBinding,
  InstanceSpec,
  IstioService,
  MixerAttributes,
  MixerAttributeValue,
  QuotaSpec,
  QuotaSpecBinding,
  RuleAction,
  RuleSpec,
  TemplateSpec,
} from './config/policy.js';
export { parseMixerExpression } from './validation/policy/expression.js';
export type { BinaryOp, MixerExpr, ParseResult } from './validation/policy/expression.js';
export { checkMixerExpression, describeExprProblem } from './validation/policy/expression-check.js';
export type { ExprCheck, ExprProblem, ExprType } from './validation/policy/expression-check.js';
export type {
  ClientTlsSettings,
  ConnectionPoolSettings,
  EnvoyConfigObjectPatch,
  EnvoyFilterSpec,
  GatewayServer,
  GatewaySpec,
  Headers,
  LoadBalancerSettings,
  LocalityLoadBalancerSetting,
  OutlierDetection,
  PortTrafficPolicy,
  ProxyConfigSpec,
  ServerTlsSettings,
  ServiceEntrySpec,
  SidecarEgressListener,
  SidecarIngressListener,
  SidecarSpec,
  TcpRoute,
  TlsRoute,
  TrafficPolicy,
  WorkloadEntrySpec,
  WorkloadGroupSpec,
} from './config/networking.js';
export { checkRe2Syntax, describeRe2Error } from './regex/re2-syntax.js';
export type { Re2SyntaxError, Re2SyntaxResult } from './regex/re2-syntax.js';
export { checkRegex, MAX_REGEX_LENGTH } from './validation/networking/string-match.js';
export { canonicalSpec } from './validation/policy/canonical.js';
