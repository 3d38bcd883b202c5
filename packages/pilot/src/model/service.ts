/**
 * Pilot's service model, independent of where services come from (sidecar registration today,
 * Kubernetes and ServiceEntry later): a service is a host with ports; an endpoint is one workload
 * address serving one of those ports, carrying the workload's labels for subset selection.
 */

/** Application protocol of a service port (Istio's names). */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'TCP';

/** One port of a service. */
export interface ServicePort {
  /** Port name; its prefix names the protocol in Kubernetes style (`http`, `http-web`, `grpc`). */
  name: string;
  /** The port clients address. */
  port: number;
  protocol: PortProtocol;
}

/** A service in the mesh, identified by its FQDN. */
export interface Service {
  /** `<name>.<namespace>.svc.<domain>`. */
  hostname: string;
  /** The short name (`shipping-service`). */
  name: string;
  namespace: string;
  /** Sorted by port number. */
  ports: ServicePort[];
}

/** One address serving one service port. */
export interface ServiceEndpoint {
  /** The service this endpoint belongs to. */
  hostname: string;
  /** The service port it serves. */
  servicePort: number;
  /** Where peers connect. */
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  /** The registry's key for the workload (stable while it is registered). */
  workloadId: string;
}

const PROTOCOLS: readonly PortProtocol[] = ['HTTP', 'HTTP2', 'GRPC', 'TCP'];

/**
 * The protocol of a port: the declared protocol when valid, else the port name's prefix
 * (`http-web` → HTTP, Istio's convention), else TCP (what Istio 1.4 assumes for unnamed ports).
 */
export function portProtocol(declared: string | undefined, name: string): PortProtocol {
  const upper = declared?.toUpperCase();
  if (upper && (PROTOCOLS as readonly string[]).includes(upper)) return upper as PortProtocol;
  const prefix = name.split('-')[0]?.toUpperCase() ?? '';
  if ((PROTOCOLS as readonly string[]).includes(prefix)) return prefix as PortProtocol;
  return 'TCP';
}

/** HTTP, HTTP2 and gRPC ports are routed by an HTTP connection manager; TCP ports are not (yet). */
export function isHttpProtocol(p: PortProtocol): boolean {
  return p !== 'TCP';
}

/** True when every selector label is present with the same value (an empty selector selects all). */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
