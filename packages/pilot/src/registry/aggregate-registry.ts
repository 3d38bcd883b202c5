import type { Service, ServiceEndpoint } from '../model/service.js';
import type { RegistryChange, ServiceRegistry } from './service-registry.js';

/**
 * Merges several registries into one view (Istio's aggregate controller): a hostname known to more
 * than one registry takes its service definition from the first registry listed; endpoints are the
 * union of all registries'.
 */
export class AggregateServiceRegistry implements ServiceRegistry {
  constructor(private readonly registries: readonly ServiceRegistry[]) {}

  services(): Service[] {
    const byHost = new Map<string, Service>();
    for (const r of this.registries) for (const s of r.services()) if (!byHost.has(s.hostname)) byHost.set(s.hostname, s);
    return [...byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  endpoints(hostname: string, port?: number): ServiceEndpoint[] {
    return this.registries.flatMap((r) => r.endpoints(hostname, port));
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    const offs = this.registries.map((r) => r.onChange(listener));
    return () => offs.forEach((off) => off());
  }
}
