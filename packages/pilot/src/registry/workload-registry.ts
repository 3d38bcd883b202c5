import type { Proxy } from '../model/proxy.js';
import type { Service, ServiceEndpoint, ServicePort } from '../model/service.js';
import type { RegistryChange, ServiceRegistry } from './service-registry.js';

interface Registered {
  id: string;
  proxy: Proxy;
}

/**
 * Workloads that register themselves when their sidecar connects (xDS node metadata) and leave
 * when its stream ends. A service exists while at least one workload serves it; its ports are the
 * union of its workloads' ports (the first registered declaration of a port number wins).
 */
export class WorkloadRegistry implements ServiceRegistry {
  /** Keyed by a registration id unique per xDS stream, so a reconnecting proxy's old stream ending does not remove the new one. */
  private readonly workloads = new Map<string, Registered>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  /** Adds (or replaces) the workload behind a stream. */
  register(id: string, proxy: Proxy): void {
    const prev = this.workloads.get(id);
    this.workloads.set(id, { id, proxy });
    this.changed([prev?.proxy.serviceHostname, proxy.serviceHostname]);
  }

  /** Removes the workload behind a stream; returns whether it was registered. */
  unregister(id: string): boolean {
    const prev = this.workloads.get(id);
    if (!prev) return false;
    this.workloads.delete(id);
    this.changed([prev.proxy.serviceHostname]);
    return true;
  }

  /** Number of registered workloads. */
  get size(): number {
    return this.workloads.size;
  }

  services(): Service[] {
    const byHost = new Map<string, Service>();
    for (const { proxy } of this.inOrder()) {
      if (!proxy.serviceHostname) continue;
      let svc = byHost.get(proxy.serviceHostname);
      if (!svc) {
        svc = { hostname: proxy.serviceHostname, name: proxy.serviceName, namespace: proxy.namespace, ports: [] };
        byHost.set(svc.hostname, svc);
      }
      for (const p of proxy.ports) {
        if (!svc.ports.some((q) => q.port === p.port)) svc.ports.push({ name: p.name, port: p.port, protocol: p.protocol } satisfies ServicePort);
      }
    }
    for (const svc of byHost.values()) svc.ports.sort((a, b) => a.port - b.port);
    return [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  endpoints(hostname: string, port?: number): ServiceEndpoint[] {
    const out: ServiceEndpoint[] = [];
    for (const { id, proxy } of this.inOrder()) {
      if (proxy.serviceHostname !== hostname) continue;
      for (const p of proxy.ports) {
        if (port !== undefined && p.port !== port) continue;
        out.push({ hostname, servicePort: p.port, address: proxy.ip, port: p.endpointPort, labels: proxy.labels, workloadId: id });
      }
    }
    return out;
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registration order is insertion order; sorting by id keeps generated output stable across restarts. */
  private inOrder(): Registered[] {
    return [...this.workloads.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private changed(hosts: (string | undefined)[]): void {
    const hostnames = [...new Set(hosts.filter((h): h is string => h !== undefined))];
    for (const l of this.listeners) l({ hostnames });
  }
}
