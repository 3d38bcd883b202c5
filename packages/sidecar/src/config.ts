import { commonSettings, setting, SettingsError } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';
import { serviceFqdn } from '@mesh/shared-api';
import type { WorkloadMetadata, WorkloadPort } from '@mesh/shared-api';

/**
 * Every sidecar setting, declared once (flag > `MESH_SIDECAR_*` environment > default).
 * Ports are Istio 1.4's: 15001 outbound, 15006 inbound, 15000 admin on loopback.
 */
export const sidecarSettingSpecs = {
  ...commonSettings(15000, '127.0.0.1'),
  mode: setting({ type: 'string', env: 'MESH_SIDECAR_MODE', default: 'sidecar', oneOf: ['sidecar', 'gateway', 'agent'], description: 'sidecar: outbound/inbound proxy of one workload; gateway: binds the listeners Pilot sends (ingress/egress gateway); agent: only the certificate agent, writing to --cert-output-dir (e.g. beside Pilot)' }),
  gatewayBindHost: setting({ type: 'string', env: 'MESH_SIDECAR_GATEWAY_BIND_HOST', default: undefined, description: "gateway mode: bind every listener on this address instead of the listener's own" }),
  pilotAddress: setting({ type: 'string', env: 'MESH_SIDECAR_PILOT_ADDRESS', default: '127.0.0.1:15010', description: "Pilot's xDS address (host:port, plaintext ADS)" }),
  pilotTls: setting({ type: 'bool', env: 'MESH_SIDECAR_PILOT_TLS', default: false, description: "connect to Pilot's mTLS xDS port (15011) with the workload certificate, verifying Pilot's SPIFFE ID; needs Citadel settings" }),
  pilotSan: setting({ type: 'string', env: 'MESH_SIDECAR_PILOT_SAN', default: undefined, description: "SPIFFE ID Pilot's certificate must carry (default spiffe://<trust domain>/ns/mesh-system/sa/pilot)" }),
  outboundPort: setting({ type: 'port', env: 'MESH_SIDECAR_OUTBOUND_PORT', default: 15001, description: 'port the local app sends its outgoing requests to (by Host header or as a proxy); 0 picks one' }),
  inboundPort: setting({ type: 'port', env: 'MESH_SIDECAR_INBOUND_PORT', default: 15006, description: 'port peers reach this workload on (registered as the endpoint port); 0 picks one' }),
  outboundBindHost: setting({ type: 'string', env: 'MESH_SIDECAR_OUTBOUND_BIND_HOST', default: '127.0.0.1', description: 'address the outbound listener binds (only the local app should use it)' }),
  inboundBindHost: setting({ type: 'string', env: 'MESH_SIDECAR_INBOUND_BIND_HOST', default: '0.0.0.0', description: 'address the inbound listener binds' }),
  service: setting({ type: 'string', env: 'MESH_SIDECAR_SERVICE', default: undefined, description: 'service this workload serves (default: the app label; none = outbound only)' }),
  namespace: setting({ type: 'string', env: 'MESH_SIDECAR_NAMESPACE', default: 'default', description: "the workload's namespace" }),
  labels: setting({ type: 'list', env: 'MESH_SIDECAR_LABELS', default: [], description: "the workload's labels, comma-separated key=value (app=shipping,version=v1)" }),
  serviceAccount: setting({ type: 'string', env: 'MESH_SIDECAR_SERVICE_ACCOUNT', default: 'default', description: "the workload's service account (its identity)" }),
  workloadName: setting({ type: 'string', env: 'MESH_SIDECAR_WORKLOAD_NAME', default: undefined, description: 'workload (pod) name (default: <service>-<pid>)' }),
  instanceIp: setting({ type: 'string', env: 'MESH_SIDECAR_INSTANCE_IP', default: '127.0.0.1', description: 'address peers use to reach this workload' }),
  servicePort: setting({ type: 'port', env: 'MESH_SIDECAR_SERVICE_PORT', default: 80, description: 'service port clients address (http://<service>:<port>)' }),
  appPort: setting({ type: 'port', env: 'MESH_SIDECAR_APP_PORT', default: undefined, description: "the local app's own port; required when the workload serves a service" }),
  portName: setting({ type: 'string', env: 'MESH_SIDECAR_PORT_NAME', default: 'http', description: 'name of the service port (its prefix names the protocol, as in Kubernetes)' }),
  portProtocol: setting({ type: 'string', env: 'MESH_SIDECAR_PORT_PROTOCOL', default: 'HTTP', oneOf: ['HTTP', 'HTTP2', 'GRPC', 'TCP'], description: 'protocol of the service port' }),
  routeTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_ROUTE_TIMEOUT_MS', default: 15000, description: "timeout of a route that sets none (Envoy's default 15 s; 0 = none) (ms)" }),
  citadelAddress: setting({ type: 'string', env: 'MESH_SIDECAR_CITADEL_ADDRESS', default: undefined, description: "Citadel's address (host:port, TLS); unset: the workload gets no certificate" }),
  citadelRootCertFile: setting({ type: 'string', env: 'MESH_SIDECAR_CITADEL_ROOT_CERT_FILE', default: undefined, description: "the mesh root certificate (PEM) that Citadel's TLS certificate chains to" }),
  citadelTokenFile: setting({ type: 'string', env: 'MESH_SIDECAR_CITADEL_TOKEN_FILE', default: undefined, description: 'the bootstrap token proving this workload\'s identity to Citadel (outside Kubernetes; from meshctl)' }),
  citadelSaTokenFile: setting({
    type: 'string',
    env: 'MESH_SIDECAR_CITADEL_SA_TOKEN_FILE',
    default: undefined,
    description: "Kubernetes: the projected service-account token (audience istio-ca) proving the identity, re-read for every request, like istio-agent's /var/run/secrets/tokens/istio-token",
  }),
  certRetryInitialMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_CERT_RETRY_INITIAL_MS', default: 1000, description: 'first retry delay after a failed certificate request; doubles up to the maximum (ms)' }),
  certRetryMaxMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_CERT_RETRY_MAX_MS', default: 60000, description: 'longest retry delay between certificate requests (ms)' }),
  certStartTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_CERT_START_TIMEOUT_MS', default: 60000, description: 'how long start-up waits for the first certificate before exiting (ms)' }),
  trustDomain: setting({ type: 'string', env: 'MESH_SIDECAR_TRUST_DOMAIN', default: 'cluster.local', description: 'trust domain of workload identities (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)' }),
  certOutputDir: setting({ type: 'string', env: 'MESH_SIDECAR_CERT_OUTPUT_DIR', default: undefined, description: "also write the certificate as cert-chain.pem, key.pem (0600) and root-cert.pem here on every rotation, for a process that reads files (Pilot's MESH_PILOT_TLS_*_FILE)" }),
  certTtlS: setting({ type: 'int', env: 'MESH_SIDECAR_CERT_TTL_S', default: 86400, description: 'requested certificate lifetime (s); rotated at half of it' }),
  mixerAddress: setting({ type: 'string', env: 'MESH_SIDECAR_MIXER_ADDRESS', default: undefined, description: "Mixer's address (host:port); unset: no telemetry reports" }),
  mixerCheck: setting({ type: 'bool', env: 'MESH_SIDECAR_MIXER_CHECK', default: true, description: 'with a Mixer address: Check every inbound request with Mixer before forwarding it (policy), cached by the attributes Mixer referenced' }),
  mixerFailOpen: setting({ type: 'bool', env: 'MESH_SIDECAR_MIXER_FAIL_OPEN', default: false, description: "when Mixer cannot answer a Check: true lets the request through, false answers 503 (Istio's default for policy: fail closed)" }),
  mixerCheckTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_MIXER_CHECK_TIMEOUT_MS', default: 1000, description: 'deadline of one Mixer Check call (ms); past it the fail-open / fail-closed policy applies' }),
  mixerQuotas: setting({ type: 'list', env: 'MESH_SIDECAR_MIXER_QUOTAS', default: [], description: "quotas to request on every Check, name[:charge] (e.g. requestcountquota:1); a request over quota gets 429. Unset: Mixer charges the quotas of the QuotaSpecBindings that name this service" }),
  maxRequestHeadersKb: setting({ type: 'int', env: 'MESH_SIDECAR_MAX_REQUEST_HEADERS_KB', default: 60, description: "largest request head accepted, in KiB (Envoy's default 60); larger: 431" }),
  requestHeadersTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_REQUEST_HEADERS_TIMEOUT_MS', default: 10000, description: 'time a client has to send a request head (slow clients get 408) (ms)' }),
  requestTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_REQUEST_TIMEOUT_MS', default: 0, description: 'time a client has to send a whole request, body included (408 after it; 0 = no limit, for streams) (ms)' }),
  accessLogPath: setting({ type: 'string', env: 'MESH_SIDECAR_ACCESS_LOG_PATH', default: '', description: 'write every request as a JSON line here (/dev/stdout, or a file); empty: only where Pilot asks (HttpConnectionManager access_log)' }),
  traceSampling: setting({ type: 'string', env: 'MESH_SIDECAR_TRACE_SAMPLING', default: '1', description: "percentage (0-100) of new traces sampled when the caller has not decided (Istio 1.4's default 1)" }),
  otlpEndpoint: setting({ type: 'string', env: 'MESH_SIDECAR_OTLP_ENDPOINT', default: undefined, description: 'OpenTelemetry collector for sampled spans, OTLP/HTTP JSON (http://host:4318); unset: trace headers are propagated, spans not exported' }),
  xdsMaxBackoffMs: setting({ type: 'duration-ms', env: 'MESH_SIDECAR_XDS_MAX_BACKOFF_MS', default: 5000, description: 'longest wait between attempts to reach Pilot (ms)' }),
};

/** The parsed settings. */
export type SidecarSettings = Settings<typeof sidecarSettingSpecs>;

/** The validated, derived configuration the sidecar's components are built from. */
export interface SidecarConfig {
  readonly settings: SidecarSettings;
  readonly labels: Readonly<Record<string, string>>;
  /** The service this workload serves, or undefined for an outbound-only workload. */
  readonly service: string | undefined;
  readonly workloadName: string;
  /** `<service>.<namespace>.svc.cluster.local` when the workload serves a service. */
  readonly serviceHost: string | undefined;
  /** `traceSampling` as a number in [0, 100]. */
  readonly traceSamplingPercent: number;
}

/** Parses `key=value` labels; throws {@link SettingsError} naming the bad entry. */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new SettingsError(`--labels / MESH_SIDECAR_LABELS: "${e}" is not key=value`);
    labels[e.slice(0, eq).trim()] = e.slice(eq + 1).trim();
  }
  return labels;
}

/** Checks the settings that depend on each other and derives the workload's identity. */
export function buildSidecarConfig(settings: SidecarSettings, pid = process.pid): SidecarConfig {
  const labels = parseLabels(settings.labels);
  // A gateway serves no service of its own: it only routes what its listeners take in.
  const service = settings.mode !== 'sidecar' ? undefined : (settings.service ?? labels['app']);
  if (settings.mode === 'agent' && (settings.citadelAddress === undefined || settings.certOutputDir === undefined)) {
    throw new SettingsError('--mode agent needs --citadel-address / MESH_SIDECAR_CITADEL_ADDRESS and --cert-output-dir / MESH_SIDECAR_CERT_OUTPUT_DIR');
  }
  if (service !== undefined && settings.appPort === undefined) {
    throw new SettingsError(`--app-port / MESH_SIDECAR_APP_PORT is required: the workload serves ${service}, so the inbound side needs the app's port`);
  }
  if (settings.citadelAddress !== undefined && (settings.citadelRootCertFile === undefined || (settings.citadelTokenFile === undefined && settings.citadelSaTokenFile === undefined))) {
    throw new SettingsError('--citadel-address / MESH_SIDECAR_CITADEL_ADDRESS needs --citadel-root-cert-file, and --citadel-sa-token-file (Kubernetes) or --citadel-token-file (bootstrap token)');
  }
  if (settings.citadelTokenFile !== undefined && settings.citadelSaTokenFile !== undefined) {
    throw new SettingsError('give --citadel-sa-token-file (Kubernetes service-account token) or --citadel-token-file (bootstrap token), not both');
  }
  if (settings.pilotTls && settings.citadelAddress === undefined) {
    throw new SettingsError('--pilot-tls / MESH_SIDECAR_PILOT_TLS needs a workload certificate: set --citadel-address / MESH_SIDECAR_CITADEL_ADDRESS');
  }
  const traceSamplingPercent = Number(settings.traceSampling);
  if (!Number.isFinite(traceSamplingPercent) || traceSamplingPercent < 0 || traceSamplingPercent > 100) {
    throw new SettingsError(`--trace-sampling / MESH_SIDECAR_TRACE_SAMPLING must be a percentage in [0, 100], got "${settings.traceSampling}"`);
  }
  if (settings.appPort === 0 && settings.mode !== 'gateway') throw new SettingsError('--app-port / MESH_SIDECAR_APP_PORT must be the port the app listens on, not 0');
  return Object.freeze({
    settings,
    labels: Object.freeze(labels),
    service,
    workloadName: settings.workloadName ?? `${service ?? (settings.mode === 'gateway' ? (labels['istio'] ?? 'gateway') : 'sidecar')}-${pid}`,
    serviceHost: service === undefined ? undefined : serviceFqdn(service, settings.namespace),
    traceSamplingPercent,
  });
}

/** Istio's node id: `sidecar~<ip>~<workload>.<namespace>~<namespace>.svc.cluster.local` (`router~...` for a gateway). */
export function nodeId(config: SidecarConfig): string {
  const ns = config.settings.namespace;
  const type = config.settings.mode === 'gateway' ? 'router' : 'sidecar';
  return `${type}~${config.settings.instanceIp}~${config.workloadName}.${ns}~${ns}.svc.cluster.local`;
}

/** Istio's label for a workload whose sidecar terminates mTLS (`security.istio.io/tlsMode: istio`). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/**
 * The node metadata Pilot registers the workload from (docs/xds-contract.md). `endpointPort` is
 * the inbound listener's bound port, known only after binding. The tlsMode label is the sidecar's
 * own to set: present exactly while it holds a certificate (`certified`), whatever `--labels` say,
 * because Pilot advertises the workload as mTLS-capable by it.
 */
export function workloadMetadata(config: SidecarConfig, inboundPort: number, certified = false): WorkloadMetadata {
  const s = config.settings;
  const ports: WorkloadPort[] =
    config.service === undefined || s.appPort === undefined
      ? []
      : [{ name: s.portName, port: s.servicePort, endpointPort: inboundPort, targetPort: s.appPort, protocol: s.portProtocol as WorkloadPort['protocol'] }];
  return {
    NAMESPACE: s.namespace,
    LABELS: withTlsMode(config.labels, certified),
    SERVICE_ACCOUNT: s.serviceAccount,
    INSTANCE_IPS: s.instanceIp,
    WORKLOAD_NAME: config.workloadName,
    MESH_SERVICE: config.service ?? '',
    MESH_PORTS: ports,
  };
}

function withTlsMode(labels: Readonly<Record<string, string>>, certified: boolean): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  if (certified) out[TLS_MODE_LABEL] = 'istio';
  else delete out[TLS_MODE_LABEL];
  return out;
}
