import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection, ClientTlsSettings, PortTrafficPolicy, TrafficPolicy } from '../../model/networking-specs.js';
import type { ServicePort } from '../../model/service.js';
import type { EffectiveDestinationRule } from '../mesh-index.js';

/** The four components of a traffic policy that apply to one cluster. */
export interface PolicyComponents {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTlsSettings;
}

/**
 * Istio's `SelectTrafficPolicyComponents`: the policy's components, unless `portLevelSettings`
 * has an entry for the port (by number, or by name as 1.4 still allowed), whose components then
 * replace all four, set or not.
 */
export function selectComponents(policy: TrafficPolicy | undefined, port: Pick<ServicePort, 'port' | 'name'> | undefined): PolicyComponents {
  if (!policy) return {};
  const pls = port ? policy.portLevelSettings?.find((p) => portSelected(p, port)) : undefined;
  const from: PortTrafficPolicy | TrafficPolicy = pls ?? policy;
  return { loadBalancer: from.loadBalancer, connectionPool: from.connectionPool, outlierDetection: from.outlierDetection, tls: from.tls };
}

function portSelected(p: PortTrafficPolicy, port: Pick<ServicePort, 'port' | 'name'>): boolean {
  if (p.port?.number !== undefined) return p.port.number === port.port;
  return p.port?.name !== undefined && p.port.name === port.name;
}

/**
 * The components a cluster of `port` and `subset` gets: the rule's (port-level selected), each
 * overridden by the subset's own policy where the subset sets it (Istio applies the rule's policy,
 * then the subset's on top).
 */
export function effectiveComponents(dr: EffectiveDestinationRule | undefined, subset: string, port: Pick<ServicePort, 'port' | 'name'> | undefined): PolicyComponents {
  if (!dr) return {};
  const base = selectComponents(dr.trafficPolicy, port);
  if (!subset) return base;
  const sub = selectComponents(dr.subsets.find((s) => s.name === subset)?.trafficPolicy, port);
  return {
    loadBalancer: sub.loadBalancer ?? base.loadBalancer,
    connectionPool: sub.connectionPool ?? base.connectionPool,
    outlierDetection: sub.outlierDetection ?? base.outlierDetection,
    tls: sub.tls ?? base.tls,
  };
}

/**
 * The consistent-hash settings a route to `subset` (and `port` when the destination names one) uses
 * (Istio 1.4's `getHashPolicy` precedence): the subset's port-level, the subset's, the rule's
 * port-level, then the rule's top-level `consistentHash`.
 */
export function consistentHashFor(dr: EffectiveDestinationRule | undefined, subset: string | undefined, port: number | undefined): LoadBalancerSettings['consistentHash'] {
  if (!dr) return undefined;
  const pls = (p: TrafficPolicy | undefined): LoadBalancerSettings['consistentHash'] =>
    port === undefined ? undefined : p?.portLevelSettings?.find((s) => s.port?.number === port)?.loadBalancer?.consistentHash;
  const sub = subset ? dr.subsets.find((s) => s.name === subset)?.trafficPolicy : undefined;
  return pls(sub) ?? sub?.loadBalancer?.consistentHash ?? pls(dr.trafficPolicy) ?? dr.trafficPolicy?.loadBalancer?.consistentHash;
}
