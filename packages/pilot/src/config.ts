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
    default: 'NONE',
    description: 'traffic to hosts the mesh does not know: ALLOW_ANY (PassthroughCluster), REGISTRY_ONLY (BlackHoleCluster) or NONE (no catch-all)',
  }),
  enableAutoMtls: setting({ type: 'bool', env: 'MESH_PILOT_ENABLE_AUTO_MTLS', default: false, description: 'clients use ISTIO_MUTUAL towards sidecars that accept mTLS when no DestinationRule sets tls (Istio enableAutoMtls)' }),
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
