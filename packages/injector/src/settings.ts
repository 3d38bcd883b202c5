/**
 * What the injector puts into a pod. Galley's `/inject` webhook builds it from its settings
 * (`MESH_GALLEY_INJECT_*`) and `meshctl kube-inject` from its flags; both start from
 * {@link DEFAULT_INJECTION_SETTINGS}, so the two produce the same objects by default.
 */
export interface InjectionSettings {
  /** Image of the sidecar container (deploy/docker/proxy.Dockerfile: node + @mesh/sidecar at /app). */
  readonly sidecarImage: string;
  /** Image of the init container: has `iptables-restore` (deploy/docker/proxy-init.Dockerfile). */
  readonly initImage: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Pilot's plaintext xDS address, `host:port`. */
  readonly pilotAddress: string;
  /** Citadel's gRPC address; empty: the sidecar gets no certificate and no identity volumes. */
  readonly citadelAddress: string;
  /** Mixer's address; empty: no telemetry reports. */
  readonly mixerAddress: string;
  readonly trustDomain: string;
  /** UID (and GID) the proxy runs as; its own traffic is excluded from the redirect by this UID. */
  readonly proxyUid: number;
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** The sidecar's admin port (loopback only): /ready, /config_dump, /stats. */
  readonly adminPort: number;
  /** Inbound ports never redirected (besides the proxy's own). */
  readonly excludeInboundPorts: readonly number[];
  /** Outbound destinations never redirected, CIDRs. */
  readonly excludeOutboundCidrs: readonly string[];
  /** The app's containers start only once the proxy is ready (sidecar first + a postStart wait). */
  readonly holdApplicationUntilProxyStarts: boolean;
  /** ConfigMap (in the pod's namespace) holding `root-cert.pem`, the mesh's trust bundle. */
  readonly rootCertConfigMap: string;
  /** Audience of the projected service-account token the sidecar proves its identity with. */
  readonly tokenAudience: string;
}

/** The defaults of the Kubernetes manifests in deploy/ (namespace mesh-system, images ts-mesh-*:0.1.0). */
export const DEFAULT_INJECTION_SETTINGS: InjectionSettings = Object.freeze({
  sidecarImage: 'ts-mesh-proxy:0.1.0',
  initImage: 'ts-mesh-proxy-init:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  pilotAddress: 'mesh-pilot.mesh-system.svc:15010',
  citadelAddress: 'mesh-citadel.mesh-system.svc:8060',
  mixerAddress: 'mesh-mixer.mesh-system.svc:9091',
  trustDomain: 'cluster.local',
  proxyUid: 1337,
  outboundPort: 15001,
  inboundPort: 15006,
  adminPort: 15000,
  excludeInboundPorts: Object.freeze([]) as readonly number[],
  excludeOutboundCidrs: Object.freeze([]) as readonly string[],
  holdApplicationUntilProxyStarts: true,
  rootCertConfigMap: 'mesh-ca-root-cert',
  tokenAudience: 'istio-ca',
});

/** Names Istio uses, kept so that Istio's tooling and analyzers recognise an injected pod. */
export const SIDECAR_CONTAINER = 'istio-proxy';
export const INIT_CONTAINER = 'istio-init';
/** Pod annotation recording what was injected (Istio's `sidecar.istio.io/status`). */
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
/** Pod annotation opting in or out: "true" / "false" (also y/yes/on, n/no/off). */
export const INJECT_ANNOTATION = 'sidecar.istio.io/inject';
/** Namespace label: `enabled` injects pods that do not opt out; `disabled` injects none. */
export const NAMESPACE_LABEL = 'istio-injection';
/** Per-pod overrides of the redirect, as Istio names them. */
export const EXCLUDE_INBOUND_PORTS_ANNOTATION = 'traffic.sidecar.istio.io/excludeInboundPorts';
export const EXCLUDE_OUTBOUND_CIDRS_ANNOTATION = 'traffic.sidecar.istio.io/excludeOutboundIPRanges';
/** Pod annotation: the service port clients address, when it differs from the container port. */
export const SERVICE_PORT_ANNOTATION = 'sidecar.mesh.io/servicePort';
/** The volumes the injector adds. */
export const VOLUMES = { token: 'istio-token', rootCert: 'mesh-ca-root-cert', scratch: 'istio-envoy' } as const;
/** Where the sidecar finds its identity material. */
export const TOKEN_DIR = '/var/run/secrets/tokens';
export const ROOT_CERT_DIR = '/etc/mesh/ca';
