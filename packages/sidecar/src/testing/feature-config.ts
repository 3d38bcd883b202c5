import { outboundClusterName, serviceFqdn } from '@mesh/shared-api';
import type { HarnessConfig } from './sidecar-harness.js';
import { edsCluster, istioHttpFilters, loadAssignment, outboundListener, rawRouteConfiguration, serviceDomains } from './xds-fixtures.js';

/** A cluster of the feature configs: its name, endpoints and extra Cluster fields. */
export interface FeatureCluster {
  readonly name: string;
  readonly endpoints: ReadonlyArray<readonly [string, number]>;
  readonly cluster?: Record<string, unknown>;
}

/** The outbound cluster of service `name` (port 80, namespace default). */
export function clusterOf(name: string, subset = ''): string {
  return outboundClusterName(serviceFqdn(name, 'default'), 80, subset);
}

/**
 * One configuration push for feature tests: listener `0.0.0.0_80` with Istio's HTTP filters
 * (CORS, fault, router), route configuration `"80"` with one virtual host for service `host`
 * (its Istio domains), the given routes (default: everything to the first cluster), and the
 * clusters with their endpoints.
 */
export function featureConfig(opts: {
  host?: string;
  clusters: readonly FeatureCluster[];
  routes?: Array<Record<string, unknown>>;
  virtualHost?: Record<string, unknown>;
  routeConfig?: Record<string, unknown>;
  httpFilters?: Array<Record<string, unknown>>;
  /** Extra HttpConnectionManager fields (use_remote_address, upgrade_configs, ...). */
  hcm?: Record<string, unknown>;
  extraVirtualHosts?: Array<Record<string, unknown>>;
}): HarnessConfig {
  const host = opts.host ?? 'svc';
  const first = opts.clusters[0]!.name;
  const vh = {
    name: `${serviceFqdn(host, 'default')}:80`,
    domains: serviceDomains(host, 'default', 80),
    routes: opts.routes ?? [{ match: { prefix: '/' }, route: { cluster: first } }],
    ...opts.virtualHost,
  };
  return {
    clusters: opts.clusters.map((c) => edsCluster(c.name, c.cluster ?? {})),
    endpoints: opts.clusters.map((c) => loadAssignment(c.name, c.endpoints)),
    listeners: [outboundListener(80, opts.httpFilters ?? istioHttpFilters(), opts.hcm ?? {})],
    routes: [rawRouteConfiguration('80', [vh, ...(opts.extraVirtualHosts ?? [])], opts.routeConfig ?? {})],
  };
}
