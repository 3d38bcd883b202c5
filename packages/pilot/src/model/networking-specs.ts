/**
 * The networking.istio.io specs as Pilot reads them (field names exactly as Istio's YAML, 1.4 fields
 * plus the later ones the conformance corpus uses). Galley's JSON Schemas are the validation
 * authority; these types only say what translation may find. Reference:
 * https://istio.io/v1.4/docs/reference/config/networking/
 */

/** Istio's StringMatch: one of exact, prefix, regex (RE2). */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** VirtualService `http[].match[]`. */
export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  withoutHeaders?: Record<string, StringMatch>;
  sourceNamespace?: string;
}

/** A destination port: `number` (1.4 also accepted the deprecated `name`). */
export interface PortSelector {
  number?: number;
  name?: string;
}

/** A service (and subset, port) traffic goes to. */
export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

/** Header operations: `set` replaces, `add` appends, `remove` deletes. */
export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

/** Request and response header operations of a route or destination. */
export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

/** One weighted destination of an HTTP route. */
export interface HttpRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
  /** Deprecated 1.x header fields, still honoured by 1.4. */
  removeResponseHeaders?: string[];
  appendResponseHeaders?: Record<string, string>;
  removeRequestHeaders?: string[];
  appendRequestHeaders?: Record<string, string>;
}

/** A percentage as a double in [0, 100]. */
export interface Percent {
  value?: number;
}

/** `fault` of an HTTP route. */
export interface HttpFaultInjection {
  delay?: { fixedDelay?: string; exponentialDelay?: string; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; grpcStatus?: string; http2Error?: string; percentage?: Percent; percent?: number };
}

/** `retries` of an HTTP route. */
export interface HttpRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
}

/** `rewrite` of an HTTP route. */
export interface HttpRewrite {
  uri?: string;
  authority?: string;
}

/** `redirect` of an HTTP route. */
export interface HttpRedirect {
  uri?: string;
  authority?: string;
  redirectCode?: number;
  port?: number;
  scheme?: string;
}

/** `corsPolicy` of an HTTP route (`allowOrigin` is 1.4's, `allowOrigins` the later StringMatch form). */
export interface CorsPolicy {
  allowOrigin?: string[];
  allowOrigins?: StringMatch[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
}

/** One `http[]` rule of a VirtualService. */
export interface HttpRoute {
  name?: string;
  match?: HttpMatchRequest[];
  route?: HttpRouteDestination[];
  redirect?: HttpRedirect;
  rewrite?: HttpRewrite;
  timeout?: string;
  retries?: HttpRetry;
  fault?: HttpFaultInjection;
  mirror?: Destination;
  /** 1.4: an integer percentage of traffic to mirror. */
  mirrorPercent?: number;
  /** Later releases: a double percentage. */
  mirrorPercentage?: Percent;
  corsPolicy?: CorsPolicy;
  headers?: Headers;
  websocketUpgrade?: boolean;
  removeResponseHeaders?: string[];
  appendResponseHeaders?: Record<string, string>;
  removeRequestHeaders?: string[];
  appendRequestHeaders?: Record<string, string>;
  appendHeaders?: Record<string, string>;
}

/** L4 match attributes of TCP and TLS routes. */
export interface L4MatchAttributes {
  destinationSubnets?: string[];
  port?: number;
  sourceSubnet?: string;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
}

/** TLS match attributes: SNI hosts plus L4 attributes. */
export interface TlsMatchAttributes extends L4MatchAttributes {
  sniHosts: string[];
}

/** A weighted destination of a TCP or TLS route. */
export interface RouteDestination {
  destination: Destination;
  weight?: number;
}

/** One `tcp[]` rule. */
export interface TcpRoute {
  match?: L4MatchAttributes[];
  route?: RouteDestination[];
}

/** One `tls[]` rule (SNI routing of unterminated TLS). */
export interface TlsRoute {
  match: TlsMatchAttributes[];
  route?: RouteDestination[];
}

/** networking.istio.io VirtualService. */
export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HttpRoute[];
  tcp?: TcpRoute[];
  tls?: TlsRoute[];
  exportTo?: string[];
}

/** `loadBalancer` of a traffic policy. */
export interface LoadBalancerSettings {
  simple?: 'ROUND_ROBIN' | 'LEAST_CONN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH' | 'UNSPECIFIED';
  consistentHash?: {
    httpHeaderName?: string;
    httpCookie?: { name: string; path?: string; ttl?: string };
    useSourceIp?: boolean;
    httpQueryParameterName?: string;
    minimumRingSize?: number;
  };
  localityLbSetting?: Record<string, unknown>;
}

/** `connectionPool` of a traffic policy. */
export interface ConnectionPoolSettings {
  tcp?: { maxConnections?: number; connectTimeout?: string; tcpKeepalive?: { probes?: number; time?: string; interval?: string } };
  http?: {
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
    maxRetries?: number;
    idleTimeout?: string;
    h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
  };
}

/** `outlierDetection` of a traffic policy (1.4 names plus later ones). */
export interface OutlierDetection {
  consecutiveErrors?: number;
  consecutiveGatewayErrors?: number;
  consecutive5xxErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

/** `tls` of a traffic policy (client side). */
export interface ClientTlsSettings {
  mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  sni?: string;
}

/** Traffic policy settings that may also be given per port. */
export interface PortTrafficPolicy {
  port?: PortSelector;
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTlsSettings;
}

/** A DestinationRule traffic policy. */
export interface TrafficPolicy extends Omit<PortTrafficPolicy, 'port'> {
  portLevelSettings?: PortTrafficPolicy[];
}

/** A named subset of a service's endpoints. */
export interface Subset {
  name: string;
  labels?: Record<string, string>;
  trafficPolicy?: TrafficPolicy;
}

/** networking.istio.io DestinationRule. */
export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
}

/** A port of a Gateway server or ServiceEntry. */
export interface IstioPort {
  number: number;
  protocol?: string;
  name?: string;
  targetPort?: number;
}

/** Server TLS settings of a Gateway server. */
export interface ServerTlsSettings {
  httpsRedirect?: boolean;
  mode?: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL';
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  minProtocolVersion?: string;
  maxProtocolVersion?: string;
  cipherSuites?: string[];
}

/** One server of a Gateway. */
export interface GatewayServer {
  port: IstioPort;
  bind?: string;
  hosts: string[];
  tls?: ServerTlsSettings;
  defaultEndpoint?: string;
  name?: string;
}

/** networking.istio.io Gateway. */
export interface GatewaySpec {
  servers?: GatewayServer[];
  selector?: Record<string, string>;
}

/** An endpoint of a ServiceEntry (also the spec of a WorkloadEntry). */
export interface WorkloadEntrySpec {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

/** networking.istio.io ServiceEntry. */
export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports?: IstioPort[];
  location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: { labels?: Record<string, string> };
  exportTo?: string[];
  subjectAltNames?: string[];
}

/** An egress or ingress listener of a Sidecar. */
export interface IstioEgressListener {
  port?: IstioPort;
  bind?: string;
  captureMode?: string;
  hosts: string[];
}

/** An ingress listener of a Sidecar. */
export interface IstioIngressListener {
  port: IstioPort;
  bind?: string;
  captureMode?: string;
  defaultEndpoint: string;
}

/** networking.istio.io Sidecar. */
export interface SidecarSpec {
  workloadSelector?: { labels?: Record<string, string> };
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  outboundTrafficPolicy?: { mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY' };
}
