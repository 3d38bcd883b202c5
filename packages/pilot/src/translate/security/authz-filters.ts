import type { Proxy } from '../../model/proxy.js';
import type { MeshIndex } from '../mesh-index.js';
import type { XdsResource } from '../resources.js';
import { applicable } from './authn.js';
import { rbacFilters } from './rbac.js';
import { rbacConfigOf, rbacV1alpha1Filter } from './rbac-v1alpha1.js';

/**
 * The RBAC filters of a sidecar's inbound port, as Istio 1.4's authz builder chooses them: the
 * v1beta1 AuthorizationPolicies that select the workload, when there are any (they override
 * v1alpha1); otherwise the v1alpha1 ServiceRoles / ServiceRoleBindings of the service's
 * namespace, when the ClusterRbacConfig turns RBAC on for the service; otherwise none.
 */
export function authorizationFilters(index: MeshIndex, proxy: Proxy, forTcp: boolean): XdsResource[] {
  const authz = applicable(index.configs('AuthorizationPolicy'), index.settings.rootNamespace, proxy);
  if (authz.length > 0) return withListenerPorts(rbacFilters(authz, forTcp), proxy);
  if (!proxy.serviceHostname) return [];
  const rbacConfig = rbacConfigOf(index.configs('ClusterRbacConfig'), index.configs('RbacConfig'));
  if (!rbacConfig) return [];
  const svc = { hostname: proxy.serviceHostname, name: proxy.serviceName, namespace: proxy.namespace, labels: proxy.labels, serviceAccount: proxy.serviceAccount };
  const f = rbacV1alpha1Filter({ rbacConfig, roles: index.configs('ServiceRole'), bindings: index.configs('ServiceRoleBinding') }, svc, forTcp);
  return f ? withListenerPorts([f], proxy) : [];
}

/**
 * Policy `ports` name the workload's port (`targetPort`), which is the connection's destination
 * port when iptables redirects to the sidecar. Outside Kubernetes the sidecar takes the port's
 * connections on its own `endpointPort`, so a `destination_port` of a target port also matches
 * that port's endpoint port there (the two are equal under iptables, and nothing changes).
 */
export function withListenerPorts(filters: XdsResource[], proxy: Pick<Proxy, 'ports'>): XdsResource[] {
  const endpointOf = new Map(proxy.ports.filter((p) => p.endpointPort !== p.targetPort).map((p) => [p.targetPort, p.endpointPort]));
  if (endpointOf.size === 0) return filters;
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const port = o['destination_port'];
    if (typeof port === 'number' && Object.keys(o).length === 1 && endpointOf.has(port)) {
      return { or_rules: { rules: [{ destination_port: port }, { destination_port: endpointOf.get(port) }] } };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, visit(x)]));
  };
  return filters.map((f) => visit(f) as XdsResource);
}
