/** @mesh/sidecar: the mesh's sidecar proxy, its xDS client and its routing core. */
export { buildSidecarConfig, nodeId, parseLabels, sidecarSettingSpecs, workloadMetadata } from './config.js';
export type { SidecarConfig, SidecarSettings } from './config.js';
export { Sidecar } from './sidecar.js';
export type { SidecarComponent, SidecarOptions, SidecarPorts } from './sidecar.js';
export type { PeerLabels, RequestInfo, RequestObserver, TrafficDirection } from './proxy/observer.js';
export { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER } from './proxy/peer-metadata.js';
export { LOCAL_REPLY_BODIES } from './proxy/local-reply.js';
export { SidecarStats } from './proxy/stats.js';
export { OriginalDestinationReader } from './proxy/original-destination.js';
export type { OriginalDestination, OriginalDestinationSource } from './proxy/original-destination.js';
export { RoutingTable, splitAuthority } from './routing/routing-table.js';
export type { RouteDecision, RoutingFailureFlag } from './routing/routing-table.js';
export { pickWeighted } from './routing/load-balancing.js';
export { ClusterRuntime, ClusterRuntimes, endpointKey } from './routing/cluster-runtime.js';
export type { RandomSource } from './routing/load-balancing.js';
export { parseRequestTarget } from './routing/request-target.js';
export { compileRe2 } from './routing/re2.js';
export { EMPTY_SNAPSHOT } from './routing/model.js';
export type {
  ClusterModel,
  EndpointModel,
  FilterChainModel,
  HeaderMatchModel,
  HttpConnectionManagerModel,
  ListenerModel,
  LoadAssignmentModel,
  PathMatchModel,
  ResourceSnapshot,
  RouteActionModel,
  RouteConfigurationModel,
  RouteMatchModel,
  RouteModel,
  RouteSource,
  StringMatchModel,
  VirtualHostModel,
  WeightedClusterModel,
} from './routing/model.js';
export { fixedIdentity } from './security/tls/identity-source.js';
export type { WorkloadIdentitySource, WorkloadKeyMaterial } from './security/tls/identity-source.js';
export { TlsSecrets } from './security/tls/tls-secrets.js';
export { xdsMtlsCredentials } from './security/tls/xds-credentials.js';
export { principalOf, subjectAltNames } from './security/tls/peer-identity.js';
export type { PeerCertificateInfo } from './security/tls/peer-identity.js';
export { CERTIFICATE_FILES, CertificateAgent, CertificateFileWriter, writeCertificateFiles } from './identity/index.js';
export { AdsClient } from './xds/ads-client.js';
export { discoveryRequest, NACK_CODE } from './xds/ack.js';
export { decodeResources, nackMessage } from './xds/decoders.js';
export { XdsState } from './xds/xds-state.js';
export type { NackRecord, ResponseOutcome, TypeDump } from './xds/xds-state.js';
export type { DiscoveryRequestMessage, DiscoveryResponseMessage, NodeMessage } from './xds/discovery-messages.js';
