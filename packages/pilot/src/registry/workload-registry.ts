import type { Proxy } from '../model/proxy.js';
import { TLS_MODE_LABEL } from '../model/service-entry.js';
import type { Service, ServiceEndpoint, ServicePort } from '../model/service.js';
import { serviceSignature } from './service-registry.js';
import type { RegistryChange, ServiceRegistry } from './service-registry.js';

interface Registered {
  id: string;
  proxy: Proxy;
}

/**
 * Workloads that register themselves when their sidecar connects (xDS node metadata) and leave
 * when its stream ends. A service exists while at least one workload serves it; its ports are the
 * union of its workloads' ports (the first registered declaration of a port number wins). Views
 * are computed once per change (a push reads them for every service).
 */
export class WorkloadRegistry implements ServiceRegistry {
  /** Keyed by a registration id unique per xDS stream, so a reconnecting proxy's old stream ending does not remove the new one. */
  private readonly workloads = new Map<string, Registered>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private view: { services: Service[]; byHost: Map<string, Service>; endpoints: Map<string, ServiceEndpoint[]> } | undefined;

  /** Adds (or replaces) the workload behind a stream. */
  register(id: string, proxy: Proxy): void {
    const prev = this.workloads.get(id);
    const hosts = [prev?.proxy.serviceHostname, proxy.serviceHostname];
    const before = this.signatures(hosts);
    this.workloads.set(id, { id, proxy });
    this.changed(hosts, before);
  }

  /** Removes the workload behind a stream; returns whether it was registered. */
  unregister(id: string): boolean {
    const prev = this.workloads.get(id);
    if (!prev) return false;
    const hosts = [prev.proxy.serviceHostname];
    const before = this.signatures(hosts);
    this.workloads.delete(id);
    this.changed(hosts, before);
    return true;
  }

  /** Every registered workload with its stream's registration id, in id order (a copy). */
  list(): Array<{ id: string; proxy: Proxy }> {
    return this.inOrder().map(({ id, proxy }) => ({ id, proxy }));
  }

  /** Number of registered workloads. */
  get size(): number {
    return this.workloads.size;
  }

  services(): Service[] {
    return this.compute().services;
  }

  endpoints(hostname: string, port?: number): ServiceEndpoint[] {
    const all = this.compute().endpoints.get(hostname) ?? [];
    return port === undefined ? [...all] : all.filter((e) => e.servicePort === port);
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private compute(): NonNullable<WorkloadRegistry['view']> {
    if (this.view) return this.view;
    const byHost = new Map<string, Service>();
    const endpoints = new Map<string, ServiceEndpoint[]>();
    for (const { id, proxy } of this.inOrder()) {
      const hostname = proxy.serviceHostname;
      if (!hostname) continue;
      let svc = byHost.get(hostname);
      if (!svc) byHost.set(hostname, (svc = { hostname, name: proxy.serviceName, namespace: proxy.namespace, ports: [], registry: 'Workload' }));
      let eps = endpoints.get(hostname);
      if (!eps) endpoints.set(hostname, (eps = []));
      for (const p of proxy.ports) {
        if (!svc.ports.some((q) => q.port === p.port)) svc.ports.push({ name: p.name, port: p.port, protocol: p.protocol } satisfies ServicePort);
        // Its sidecar labels itself `security.istio.io/tlsMode: istio` only while it holds a
        // certificate (and reconnects when that changes), so only then can it terminate mTLS.
        const tlsMode = proxy.labels[TLS_MODE_LABEL];
        eps.push({ hostname, servicePort: p.port, address: proxy.ip, port: p.endpointPort, targetPort: p.targetPort, labels: proxy.labels, workloadId: id, serviceAccount: proxy.serviceAccount, ...(tlsMode ? { tlsMode } : {}) });
      }
    }
    for (const svc of byHost.values()) svc.ports.sort((a, b) => a.port - b.port);
    const services = [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
    this.view = { services, byHost, endpoints };
    return this.view;
  }

  /** Registration order is insertion order; sorting by id keeps generated output stable across restarts. */
  private inOrder(): Registered[] {
    return [...this.workloads.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private signatures(hosts: (string | undefined)[]): Map<string, string> {
    const view = this.compute();
    const out = new Map<string, string>();
    for (const h of hosts) if (h) out.set(h, serviceSignature(view.byHost.get(h), view.endpoints.get(h) ?? []));
    return out;
  }

  private changed(hosts: (string | undefined)[], before: Map<string, string>): void {
    this.view = undefined;
    const hostnames = [...new Set(hosts.filter((h): h is string => h !== undefined))];
    const after = this.signatures(hostnames);
    const endpointsOnly = hostnames.every((h) => before.get(h) === after.get(h));
    for (const l of this.listeners) l({ hostnames, endpointsOnly });
  }
}
