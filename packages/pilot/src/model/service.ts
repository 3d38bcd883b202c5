/**
 * Pilot's service model, independent of where services come from (sidecar registration,
 * Kubernetes, ServiceEntry): a service is a host with ports; an endpoint is one workload address
 * serving one of those ports, carrying the workload's labels for subset selection.
 */

/** Application protocol of a port (Istio's names, https://istio.io/v1.4/docs/ops/configuration/traffic-management/protocol-selection/). */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'GRPC-WEB' | 'HTTPS' | 'TLS' | 'TCP' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP' | 'THRIFT';

/** How clients reach a service's endpoints (Istio's `model.Resolution`). */
export type Resolution = 'ClientSideLB' | 'DNSLB' | 'Passthrough';

/** One port of a service. */
export interface ServicePort {
  /** Port name; its prefix names the protocol in Kubernetes style (`http`, `http-web`, `grpc`). */
  name: string;
  /** The port clients address. */
  port: number;
  protocol: PortProtocol;
}

/** A service in the mesh, identified by its FQDN (or, for a ServiceEntry, the host as written). */
export interface Service {
  /** `<name>.<namespace>.svc.<domain>`, or a ServiceEntry host. */
  hostname: string;
  /** The short name (`shipping-service`). */
  name: string;
  namespace: string;
  /** Sorted by port number. */
  ports: ServicePort[];
  /** Virtual IPs (Kubernetes clusterIP, ServiceEntry `addresses`); none means 0.0.0.0 (no VIP). */
  addresses?: readonly string[];
  /** Default ClientSideLB (EDS). */
  resolution?: Resolution;
  /** A ServiceEntry with `location: MESH_EXTERNAL`. */
  meshExternal?: boolean;
  /** Namespaces the service is visible to: `*` (default) all, `.` its own, or names. */
  exportTo?: readonly string[];
  /** Identities its workloads run as (ServiceEntry `subjectAltNames`, or learnt from endpoints). */
  serviceAccounts?: readonly string[];
  /** Where it came from (for debugging and conflict resolution). */
  registry?: 'Kubernetes' | 'ServiceEntry' | 'Workload';
  /** Creation time of the defining object (older wins a hostname conflict, as in Istio). */
  createdAt?: string;
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
  /** The application's own port behind the sidecar when it differs from `port` (port-level mTLS policies key on it). */
  targetPort?: number;
  labels: Readonly<Record<string, string>>;
  /** The registry's key for the workload (stable while it is registered). */
  workloadId: string;
  /** The workload's service account (for SPIFFE identities). */
  serviceAccount?: string;
  /** `region/zone/subzone`. */
  locality?: string;
  network?: string;
  /** Load-balancing weight (ServiceEntry endpoint `weight`); default 1. */
  weight?: number;
  /** `istio` when the workload has a sidecar that terminates mTLS (label `security.istio.io/tlsMode`). */
  tlsMode?: string;
}

const PROTOCOLS: readonly PortProtocol[] = ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTPS', 'TLS', 'TCP', 'MONGO', 'REDIS', 'MYSQL', 'UDP', 'THRIFT'];

function asProtocol(text: string | undefined): PortProtocol | undefined {
  const upper = text?.toUpperCase();
  if (!upper) return undefined;
  if (upper === 'GRPC_WEB') return 'GRPC-WEB';
  return (PROTOCOLS as readonly string[]).includes(upper) ? (upper as PortProtocol) : undefined;
}

/**
 * The protocol of a port: the declared protocol when valid, else the port name's prefix
 * (`http-web` → HTTP, Istio's convention), else TCP (what Istio 1.4 assumes for unnamed ports).
 */
export function portProtocol(declared: string | undefined, name: string): PortProtocol {
  return asProtocol(declared) ?? asProtocol(name.split('-')[0]) ?? 'TCP';
}

/** HTTP, HTTP2, gRPC and gRPC-Web ports are routed by an HTTP connection manager (Istio's `IsHTTP`). */
export function isHttpProtocol(p: PortProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** Protocols that always speak HTTP/2 upstream (Istio sets `http2_protocol_options` for them). */
export function isHttp2Protocol(p: PortProtocol): boolean {
  return p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** True when every selector label is present with the same value (an empty selector selects all). */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The address a service's listeners bind to: its first VIP, else 0.0.0.0. */
export function serviceAddress(svc: Service): string {
  return svc.addresses?.[0] ?? '0.0.0.0';
}
