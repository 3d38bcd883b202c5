/** Test helpers for the sidecar and for suites that run one: a fake ADS server and xDS fixtures. */
export { ALL_TYPES, FakeAdsServer } from './fake-ads-server.js';
export type { ReceivedRequest } from './fake-ads-server.js';
export {
  edsCluster,
  inboundCluster,
  inboundListener,
  loadAssignment,
  outboundListener,
  prefixRoute,
  routeConfiguration,
  serviceDomains,
  weightedRoute,
} from './xds-fixtures.js';
