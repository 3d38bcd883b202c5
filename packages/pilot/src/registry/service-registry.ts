import type { Service, ServiceEndpoint } from '../model/service.js';

/** What changed in a registry (the hostnames whose service or endpoints changed). */
export interface RegistryChange {
  hostnames: string[];
}

/**
 * A source of services and their endpoints (Istio's ServiceDiscovery + controller). Implementations:
 * {@link WorkloadRegistry} (sidecars registering over xDS); Kubernetes and ServiceEntry registries
 * come later and are merged by {@link AggregateServiceRegistry}.
 */
export interface ServiceRegistry {
  /** Every service, sorted by hostname. */
  services(): Service[];
  /** The endpoints of one service port (all ports when `port` is omitted). */
  endpoints(hostname: string, port?: number): ServiceEndpoint[];
  /** Registers a listener; returns a function that removes it. */
  onChange(listener: (change: RegistryChange) => void): () => void;
}
