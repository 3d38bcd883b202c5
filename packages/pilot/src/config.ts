import { commonSettings, natsSettings, setting, SettingsError } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';
import { DEFAULT_MESH_SETTINGS } from './model/mesh-settings.js';
import type { MeshSettings } from './model/mesh-settings.js';

/** Every Pilot setting, declared once with its variable, default and meaning (`--help` lists them). */
export const pilotSettingSpecs = {
  ...commonSettings(15014),
  ...natsSettings(),
  xdsPort: setting({ type: 'port', env: 'MESH_PILOT_XDS_PORT', default: 15010, description: 'plaintext xDS (ADS) gRPC port; 0 picks a free port and logs it' }),
  xdsHost: setting({ type: 'string', env: 'MESH_PILOT_XDS_HOST', default: '0.0.0.0', description: 'address the xDS gRPC server binds' }),
  xdsTlsPort: setting({ type: 'port', env: 'MESH_PILOT_XDS_TLS_PORT', default: 15011, description: 'mTLS xDS (ADS) gRPC port, served when the TLS files below are set; 0 picks a free port and logs it' }),
  tlsCertFile: setting({ type: 'string', env: 'MESH_PILOT_TLS_CERT_FILE', default: undefined, description: "Pilot's Citadel-issued certificate chain (PEM, SPIFFE ID spiffe://<td>/ns/mesh-system/sa/pilot) for the mTLS xDS port" }),
  tlsKeyFile: setting({ type: 'string', env: 'MESH_PILOT_TLS_KEY_FILE', default: undefined, description: "the private key of Pilot's certificate (PEM)" }),
  tlsRootCertFile: setting({ type: 'string', env: 'MESH_PILOT_TLS_ROOT_CERT_FILE', default: undefined, description: 'the mesh root certificate (PEM) that sidecars’ client certificates must chain to' }),
  tlsRefreshMs: setting({ type: 'duration-ms', env: 'MESH_PILOT_TLS_REFRESH_MS', default: 60000, description: 'how often the TLS files are re-read, so a renewed certificate is used without a restart (ms)' }),
  debounceMs: setting({
    type: 'duration-ms',
    env: 'MESH_PILOT_DEBOUNCE_MS',
    default: 100,
    description: 'quiet period after a config or registry change before pushing to proxies (ms)',
  }),
  debounceMaxMs: setting({
    type: 'duration-ms',
    env: 'MESH_PILOT_DEBOUNCE_MAX_MS',
    default: 1000,
    description: 'longest a push waits while changes keep arriving (ms)',
  }),
  pushConcurrency: setting({ type: 'int', env: 'MESH_PILOT_PUSH_CONCURRENCY', default: 100, description: 'pushes to proxies running at once (the push queue throttle, Istio PILOT_PUSH_THROTTLE)' }),
  kubeRegistry: setting({
    type: 'string',
    env: 'MESH_PILOT_KUBE_REGISTRY',
    default: '',
    description: 'Kubernetes service registry: empty (off), in-cluster, an API server URL, or a kubeconfig file path',
  }),
  domainSuffix: setting({ type: 'string', env: 'MESH_PILOT_DOMAIN_SUFFIX', default: 'cluster.local', description: 'DNS suffix of service hosts (<name>.<namespace>.svc.<suffix>)' }),
  trustDomain: setting({ type: 'string', env: 'MESH_PILOT_TRUST_DOMAIN', default: 'cluster.local', description: 'SPIFFE trust domain of workload identities (spiffe://<trust domain>/ns/<ns>/sa/<sa>)' }),
  rootNamespace: setting({
    type: 'string',
    env: 'MESH_PILOT_ROOT_NAMESPACE',
    default: 'istio-system',
    description: 'namespace whose Sidecar, PeerAuthentication and AuthorizationPolicy objects apply mesh-wide',
  }),
  outboundTrafficPolicy: setting({
    type: 'string',
    env: 'MESH_PILOT_OUTBOUND_TRAFFIC_POLICY',
    default: 'ALLOW_ANY',
    description:
      "sidecars' traffic to addresses and hosts the mesh does not know (Istio's outboundTrafficPolicy.mode): ALLOW_ANY lets it out to where the app was going (PassthroughCluster, Istio's default), REGISTRY_ONLY refuses it (BlackHoleCluster; HTTP gets 502), NONE sends no catch-all (unknown hosts get 404)",
  }),
  jwksFetchTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_PILOT_JWKS_FETCH_TIMEOUT_MS', default: 5000, description: 'timeout of one JWKS fetch for a jwksUri (ms)' }),
  jwksRefreshIntervalMs: setting({
    type: 'duration-ms',
    env: 'MESH_PILOT_JWKS_REFRESH_INTERVAL_MS',
    default: 1_200_000,
    description: 'how often fetched JWKS are fetched again; a changed key set is pushed (ms, Istio PILOT_JWT_PUB_KEY_REFRESH_INTERVAL)',
  }),
  jwksRetryIntervalMs: setting({ type: 'duration-ms', env: 'MESH_PILOT_JWKS_RETRY_INTERVAL_MS', default: 60_000, description: 'how soon a JWKS that failed to fetch is tried again (ms)' }),
  jwksCaFile: setting({ type: 'string', env: 'MESH_PILOT_JWKS_CA_FILE', default: '', description: 'PEM file of extra CA certificates trusted when fetching https jwksUris (empty: system CAs only)' }),
  enableAutoMtls: setting({ type: 'bool', env: 'MESH_PILOT_ENABLE_AUTO_MTLS', default: true, description: 'clients use ISTIO_MUTUAL towards sidecars that accept mTLS when no DestinationRule sets tls (Istio enableAutoMtls)' }),
};

/** Pilot's parsed, frozen settings. */
export type PilotSettings = Settings<typeof pilotSettingSpecs>;

/** Checks relations between settings that single-value parsing cannot; throws {@link SettingsError}. */
export function validatePilotSettings(s: PilotSettings): PilotSettings {
  if (s.debounceMs < 0) throw new SettingsError(`--debounce-ms / MESH_PILOT_DEBOUNCE_MS must not be negative (got ${s.debounceMs})`);
  if (s.debounceMaxMs < s.debounceMs) {
    throw new SettingsError(`--debounce-max-ms / MESH_PILOT_DEBOUNCE_MAX_MS (${s.debounceMaxMs}) must be at least MESH_PILOT_DEBOUNCE_MS (${s.debounceMs})`);
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.domainSuffix)) {
    throw new SettingsError(`--domain-suffix / MESH_PILOT_DOMAIN_SUFFIX "${s.domainSuffix}" is not a DNS domain`);
  }
  const tlsFiles = [s.tlsCertFile, s.tlsKeyFile, s.tlsRootCertFile].filter((f) => f !== undefined).length;
  if (tlsFiles !== 0 && tlsFiles !== 3) {
    throw new SettingsError('the mTLS xDS port needs all of MESH_PILOT_TLS_CERT_FILE, MESH_PILOT_TLS_KEY_FILE and MESH_PILOT_TLS_ROOT_CERT_FILE (or none)');
  }
  if (s.tlsRefreshMs <= 0) throw new SettingsError(`--tls-refresh-ms / MESH_PILOT_TLS_REFRESH_MS must be positive (got ${s.tlsRefreshMs})`);
  if (s.pushConcurrency < 1) throw new SettingsError(`--push-concurrency / MESH_PILOT_PUSH_CONCURRENCY must be at least 1 (got ${s.pushConcurrency})`);
  if (!['ALLOW_ANY', 'REGISTRY_ONLY', 'NONE'].includes(s.outboundTrafficPolicy)) {
    throw new SettingsError(`--outbound-traffic-policy / MESH_PILOT_OUTBOUND_TRAFFIC_POLICY must be ALLOW_ANY, REGISTRY_ONLY or NONE (got ${s.outboundTrafficPolicy})`);
  }
  return s;
}

/** The mesh-wide settings translation reads, from Pilot's settings. */
export function meshSettingsOf(s: PilotSettings): MeshSettings {
  return {
    ...DEFAULT_MESH_SETTINGS,
    domainSuffix: s.domainSuffix,
    trustDomain: s.trustDomain,
    rootNamespace: s.rootNamespace,
    outboundTrafficPolicy: s.outboundTrafficPolicy as MeshSettings['outboundTrafficPolicy'],
    enableAutoMtls: s.enableAutoMtls,
  };
}
