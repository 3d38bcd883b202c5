import { outboundClusterName, TypeUrls } from '@mesh/shared-api';
import type { Proxy } from '../model/proxy.js';
import type { MeshIndex } from './mesh-index.js';
import type { XdsResource } from './resources.js';
import { adsConfigSource } from './resources.js';
import { defaultOutboundRoute } from './route/action.js';
import type { RouteContext } from './route/action.js';
import { virtualServiceRoutes } from './route/virtual-hosts.js';
import { hostMatches } from './host-match.js';
import type { ProxyScope } from './scope.js';

/**
 * The listener a proxyless gRPC client asks for when it dials `xds:///<host>:<port>`: an
 * `api_listener` named after the target, whose HTTP connection manager fetches the route
 * configuration of the same name (as Istio's gRPC generator does). Only the router filter: gRPC's
 * xDS client rejects filters it does not implement.
 * https://github.com/grpc/proposal/blob/master/A27-xds-global-load-balancing.md
 */
export function apiListener(name: string): XdsResource {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': TypeUrls.HttpConnectionManager,
        rds: { route_config_name: name, config_source: adsConfigSource() },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TypeUrls.Router } }],
      },
    },
  };
}

/**
 * Listeners and route configurations for a proxyless gRPC client: one api_listener and one route
 * configuration `<host>:<port>` per visible service port, the single virtual host routed by the
 * first VirtualService naming the host (the same routes a sidecar gets), else to the default cluster.
 * The stream sends only the names the client subscribes to.
 */
export function proxylessListenersAndRoutes(index: MeshIndex, scope: ProxyScope, proxy: Pick<Proxy, 'namespace' | 'labels'>): { listeners: XdsResource[]; routes: XdsResource[] } {
  const listeners: XdsResource[] = [];
  const routes: XdsResource[] = [];
  for (const svc of scope.services) {
    for (const p of svc.ports) {
      if (p.protocol === 'UDP') continue;
      const name = `${svc.hostname}:${p.port}`;
      const ctx: RouteContext = { index, proxy, gateways: scope.gateways, port: p.port };
      let vsRoutes: XdsResource[] = [];
      const vs = scope.virtualServices.find((v) => v.spec.http?.length && (v.spec.hosts ?? []).some((h) => hostMatches(index.resolve(h, v.metadata.namespace ?? 'default'), svc.hostname)));
      if (vs) vsRoutes = virtualServiceRoutes(ctx, vs);
      if (vsRoutes.length === 0) vsRoutes = [defaultOutboundRoute(outboundClusterName(svc.hostname, p.port), `${name}/*`)];
      listeners.push(apiListener(name));
      routes.push({ name, virtual_hosts: [{ name, domains: [name, svc.hostname], routes: vsRoutes }], validate_clusters: { value: false } });
    }
  }
  return { listeners, routes };
}
