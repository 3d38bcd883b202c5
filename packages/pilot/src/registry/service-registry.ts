import type { Service, ServiceEndpoint } from '../model/service.js';

/**
 * What changed in a registry: the hostnames whose service or endpoints changed, and whether only
 * endpoints did (services, their ports and their identities unchanged), which needs an EDS push only.
 */
export interface RegistryChange {
  hostnames: string[];
  endpointsOnly?: boolean;
}

/**
 * A source of services and their endpoints (Istio's ServiceDiscovery + controller). Implementations:
 * {@link WorkloadRegistry} (sidecars registering over xDS), {@link ServiceEntryRegistry} (config),
 * {@link KubeServiceRegistry} (a Kubernetes API server), merged by {@link AggregateServiceRegistry}.
 */
export interface ServiceRegistry {
  /** Every service, sorted by hostname. */
  services(): Service[];
  /** The endpoints of one service port (all ports when `port` is omitted). */
  endpoints(hostname: string, port?: number): ServiceEndpoint[];
  /** Registers a listener; returns a function that removes it. */
  onChange(listener: (change: RegistryChange) => void): () => void;
}

/** A signature of what a service's clusters depend on besides endpoint addresses: its definition and identities. */
export function serviceSignature(svc: Service | undefined, endpoints: readonly ServiceEndpoint[]): string {
  if (!svc) return '';
  // An endpoint whose identity is not known yet (its Pod not seen) adds none.
  const sas = [...new Set(endpoints.map((e) => e.serviceAccount).filter((sa) => sa))].sort();
  return JSON.stringify([svc, sas]);
}
