import type { ConfigStore } from '../model/config-store.js';
import { REGISTRY_KINDS } from '../model/kinds.js';
import { convertServiceEntries } from '../model/service-entry.js';
import type { Service, ServiceEndpoint } from '../model/service.js';
import { serviceSignature } from './service-registry.js';
import type { RegistryChange, ServiceRegistry } from './service-registry.js';

/**
 * Services and endpoints defined by ServiceEntry and WorkloadEntry config (Istio's
 * `serviceentry` controller). Follows the config store; a change that leaves every service
 * definition and identity as it was (a WorkloadEntry moved, an endpoint added) is reported as
 * endpoints-only. When two ServiceEntries define one host, the oldest wins.
 */
export class ServiceEntryRegistry implements ServiceRegistry {
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private view: { services: Service[]; byHost: Map<string, Service>; endpoints: Map<string, ServiceEndpoint[]> };
  private readonly off: () => void;

  constructor(private readonly store: ConfigStore) {
    this.view = this.compute();
    this.off = store.onChange((c) => {
      if (c.kinds.some((k) => REGISTRY_KINDS.includes(k))) this.refresh();
    });
  }

  services(): Service[] {
    return this.view.services;
  }

  endpoints(hostname: string, port?: number): ServiceEndpoint[] {
    const all = this.view.endpoints.get(hostname) ?? [];
    return port === undefined ? [...all] : all.filter((e) => e.servicePort === port);
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the store. */
  stop(): void {
    this.off();
  }

  private compute(): ServiceEntryRegistry['view'] {
    const model = convertServiceEntries(this.store.list('ServiceEntry'), this.store.list('WorkloadEntry'));
    const byHost = new Map<string, Service>();
    for (const s of model.services) if (!byHost.has(s.hostname)) byHost.set(s.hostname, s);
    const endpoints = new Map<string, ServiceEndpoint[]>();
    for (const e of model.endpoints) {
      if (!byHost.has(e.hostname)) continue;
      let list = endpoints.get(e.hostname);
      if (!list) endpoints.set(e.hostname, (list = []));
      list.push(e);
    }
    const services = [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
    return { services, byHost, endpoints };
  }

  private refresh(): void {
    const before = this.view;
    const after = this.compute();
    const hosts = new Set([...before.byHost.keys(), ...after.byHost.keys()]);
    const changed: string[] = [];
    let endpointsOnly = true;
    for (const h of hosts) {
      const sigBefore = serviceSignature(before.byHost.get(h), before.endpoints.get(h) ?? []);
      const sigAfter = serviceSignature(after.byHost.get(h), after.endpoints.get(h) ?? []);
      const epsChanged = JSON.stringify(before.endpoints.get(h) ?? []) !== JSON.stringify(after.endpoints.get(h) ?? []);
      if (sigBefore !== sigAfter) endpointsOnly = false;
      if (sigBefore !== sigAfter || epsChanged) changed.push(h);
    }
    this.view = after;
    if (changed.length === 0) return;
    for (const l of this.listeners) l({ hostnames: changed.sort(), endpointsOnly });
  }
}
