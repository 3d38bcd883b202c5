/** Test helpers for the sidecar and for suites that run one: a fake ADS server and xDS fixtures. */
export { ALL_TYPES, FakeAdsServer } from './fake-ads-server.js';
export type { ReceivedRequest } from './fake-ads-server.js';
export {
  edsCluster,
  hcmFilter,
  inboundCluster,
  inboundListener,
  istioHttpFilters,
  loadAssignment,
  outboundListener,
  prefixRoute,
  rawListener,
  rawRouteConfiguration,
  routeConfiguration,
  serviceDomains,
  tcpProxyFilter,
  tlsInspector,
  tlsTransportSocket,
  weightedRoute,
} from './xds-fixtures.js';
export { SidecarHarness } from './sidecar-harness.js';
export type { HarnessConfig } from './sidecar-harness.js';
export { sendRequest, startTestUpstream } from './test-upstream.js';
export type { ReceivedHttpRequest, TestReply, TestUpstream } from './test-upstream.js';
export { ExtensionTypeUrls, packTyped } from '../xds/decode/typed-config.js';
export { clusterOf, featureConfig } from './feature-config.js';
export type { FeatureCluster } from './feature-config.js';
export { makeTestPki } from './test-certs.js';
export type { TestPki } from './test-certs.js';
