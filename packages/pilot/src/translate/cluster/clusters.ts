import { inboundClusterName, jsonToStruct, outboundClusterName } from '@mesh/shared-api';
import type { Proxy } from '../../model/proxy.js';
import { isHttp2Protocol, labelsMatch } from '../../model/service.js';
import type { Service, ServicePort } from '../../model/service.js';
import type { EdsCluster } from '../endpoints.js';
import { localityLbEndpoints } from '../endpoints.js';
import type { EffectiveDestinationRule, MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { adsConfigSource, socketAddress } from '../resources.js';
import { advertiseEndpoints } from '../security/auto-mtls.js';
import { spiffeUri } from '../security/sds.js';
import { effectiveComponents } from './policy.js';
import { applyUpstreamTls, istioMtlsSni } from './tls.js';
import type { UpstreamTlsInput } from './tls.js';
import { applyConnectionPool, applyLoadBalancer, applyOutlierDetection } from './traffic-policy.js';

/** Istio's names of the catch-all clusters. */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** The mTLS mode a service's servers run with (for auto mTLS), as security translation decides it. */
export type ServerMtlsLookup = (svc: Service, port: ServicePort) => UpstreamTlsInput['serverMtls'];

/** Outbound clusters plus the EDS clusters whose ClusterLoadAssignments must accompany them. */
export interface OutboundClusters {
  clusters: XdsResource[];
  eds: EdsCluster[];
}

/** Istio's `convertResolution`: EDS for client-side balancing, STRICT_DNS for DNS, ORIGINAL_DST for passthrough (sidecars only). */
function discoveryType(svc: Service, proxy: Pick<Proxy, 'type'>): 'EDS' | 'STRICT_DNS' | 'ORIGINAL_DST' {
  if (svc.resolution === 'DNSLB') return 'STRICT_DNS';
  if (svc.resolution === 'Passthrough' && proxy.type === 'sidecar') return 'ORIGINAL_DST';
  return 'EDS';
}

/**
 * Istio 1.4's `buildDefaultCluster` with its default traffic policy: round robin, the mesh connect
 * timeout and default circuit breakers; DNS clusters resolve IPv4 only and carry their endpoints.
 */
function defaultCluster(index: MeshIndex, name: string, type: string, endpoints: XdsResource[] | undefined, port: ServicePort | undefined): XdsResource {
  const cluster: XdsResource = { name, type };
  if (type === 'STRICT_DNS') {
    cluster['dns_lookup_family'] = 'V4_ONLY';
    cluster['dns_refresh_rate'] = { seconds: 5 };
    cluster['respect_dns_ttl'] = true;
  }
  if (type === 'STATIC' || type === 'STRICT_DNS') cluster['load_assignment'] = { cluster_name: name, endpoints: endpoints ?? [] };
  cluster['connect_timeout'] = index.settings.connectTimeout;
  cluster['lb_policy'] = type === 'ORIGINAL_DST' ? 'CLUSTER_PROVIDED' : 'ROUND_ROBIN';
  applyConnectionPool(cluster, { tcp: {} });
  if (port && isHttp2Protocol(port.protocol)) cluster['http2_protocol_options'] = { max_concurrent_streams: { value: 1073741824 } };
  return cluster;
}

/** EDS clusters fetch endpoints over ADS under their own name (Istio's `updateEds`). */
function updateEds(cluster: XdsResource): void {
  if (cluster['type'] !== 'EDS') return;
  cluster['eds_cluster_config'] = { service_name: cluster['name'], eds_config: { ...adsConfigSource(), initial_fetch_timeout: { seconds: 0 } } };
}

/** `metadata.filter_metadata.istio.config` naming the DestinationRule a cluster's policy came from. */
function ruleMetadata(dr: EffectiveDestinationRule): XdsResource {
  const ns = dr.rule.metadata.namespace ?? 'default';
  return { filter_metadata: { istio: jsonToStruct({ config: `/apis/networking.istio.io/v1alpha3/namespaces/${ns}/destination-rule/${dr.rule.metadata.name}` }) } };
}

/** SPIFFE identities of a service's workloads on a port (Istio's `push.ServiceAccounts`), sorted. */
export function serviceAccounts(index: MeshIndex, svc: Service, port: number): string[] {
  const sas = new Set<string>(svc.serviceAccounts ?? []);
  for (const ep of index.endpoints(svc.hostname, port)) if (ep.serviceAccount) sas.add(spiffeUri(index.settings.trustDomain, svc.namespace, ep.serviceAccount));
  return [...sas].sort();
}

/**
 * Istio 1.4's `buildOutboundClusters`: for every visible service port (UDP excepted) the
 * default cluster `outbound|<port>||<host>` and one per subset of its DestinationRule, each with the
 * rule's traffic policy applied (then the subset's), and config metadata naming the rule.
 */
export function buildOutboundClusters(index: MeshIndex, services: readonly Service[], proxy: Pick<Proxy, 'type' | 'namespace'>, serverMtls: ServerMtlsLookup): OutboundClusters {
  const clusters: XdsResource[] = [];
  const eds: EdsCluster[] = [];
  const seen = new Set<string>();
  for (const svc of services) {
    const dr = index.destinationRule(proxy.namespace, svc.hostname);
    const type = discoveryType(svc, proxy);
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue;
      const sas = serviceAccounts(index, svc, port.port);
      const mtls = svc.meshExternal ? 'UNKNOWN' : serverMtls(svc, port);
      const build = (subset: string, labels: Readonly<Record<string, string>> | undefined): void => {
        const name = outboundClusterName(svc.hostname, port.port, subset);
        if (seen.has(name)) return;
        seen.add(name);
        const eps = type === 'STRICT_DNS' ? advertiseEndpoints(index, svc.hostname, port.port, index.endpoints(svc.hostname, port.port)).filter((ep) => !labels || labelsMatch(labels, ep.labels)) : [];
        const cluster = defaultCluster(index, name, type, type === 'STRICT_DNS' ? localityLbEndpoints(eps) : undefined, port);
        const c = effectiveComponents(dr, subset, port);
        applyConnectionPool(cluster, c.connectionPool);
        applyOutlierDetection(cluster, c.outlierDetection);
        applyLoadBalancer(cluster, c.loadBalancer);
        applyUpstreamTls(cluster, {
          tls: c.tls,
          serviceAccounts: sas,
          istioSni: istioMtlsSni(port.port, subset, svc.hostname),
          meshExternal: svc.meshExternal ?? false,
          // Proxyless gRPC clients hold no mesh certificate: auto mTLS is for sidecars and gateways.
          autoMtls: index.settings.enableAutoMtls && proxy.type !== 'grpc',
          serverMtls: mtls,
        });
        updateEds(cluster);
        if (dr) cluster['metadata'] = ruleMetadata(dr);
        clusters.push(cluster);
        if (cluster['type'] === 'EDS') eds.push({ clusterName: name, hostname: svc.hostname, port: port.port, labels });
      };
      build('', undefined);
      for (const s of dr?.subsets ?? []) build(s.name, s.labels ?? {});
    }
  }
  return { clusters, eds };
}

/** `BlackHoleCluster`: STATIC with no endpoints, where REGISTRY_ONLY sends unknown traffic. */
export function blackHoleCluster(index: MeshIndex): XdsResource {
  return { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: index.settings.connectTimeout, lb_policy: 'ROUND_ROBIN' };
}

/** `PassthroughCluster`: ORIGINAL_DST, forwarding to the address the application dialled (ALLOW_ANY). */
export function passthroughCluster(index: MeshIndex): XdsResource {
  const cluster: XdsResource = { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', connect_timeout: index.settings.connectTimeout, lb_policy: 'CLUSTER_PROVIDED' };
  applyConnectionPool(cluster, {});
  return cluster;
}

/**
 * The inbound clusters of a sidecar (Istio 1.4's `buildInboundClusters`): one STATIC cluster per
 * port of its workload, to the application on 127.0.0.1:<targetPort>, with the default policy and
 * the connection pool of the service's DestinationRule (server-side circuit breaking).
 */
export function buildInboundClusters(index: MeshIndex, proxy: Proxy): XdsResource[] {
  const host = proxy.serviceHostname;
  if (!host) return [];
  const dr = index.destinationRule(proxy.namespace, host);
  return proxy.ports.map((p) => {
    const name = inboundClusterName(host, p.port);
    const endpoints = [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', p.targetPort) } }] }];
    const cluster = defaultCluster(index, name, 'STATIC', endpoints, p);
    if (dr?.trafficPolicy?.connectionPool) {
      applyConnectionPool(cluster, dr.trafficPolicy.connectionPool);
      cluster['metadata'] = ruleMetadata(dr);
    }
    return cluster;
  });
}
