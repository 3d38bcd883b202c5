import { commonSettings, natsSettings, setting } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';
import { DEFAULT_INJECTION_SETTINGS } from '@mesh/injector';

/** Every Galley setting, declared once (flag > `MESH_*` environment > default). */
export const galleySpecs = {
  ...commonSettings(15014),
  ...natsSettings(),
  apiPort: setting({
    type: 'port',
    env: 'MESH_GALLEY_API_PORT',
    default: 9901,
    description: 'port of the Kubernetes-style config API (0 picks a free port and logs it)',
  }),
  apiHost: setting({ type: 'string', env: 'MESH_GALLEY_API_HOST', default: '0.0.0.0', description: 'address the config API binds' }),
  anonymous: setting({
    type: 'bool',
    env: 'MESH_GALLEY_ANONYMOUS',
    default: false,
    description: 'serve the config API without authentication (local demo and tests only; never in production)',
  }),
  tokenFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_TOKEN_FILE',
    default: undefined,
    description: 'file holding the bearer token that grants access to the config API',
  }),
  tokensFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_TOKENS_FILE',
    default: undefined,
    description: 'YAML file of bearer tokens, each with a user name and roles (read, write, admin) scoped to namespaces or "*"',
  }),
  apiTlsCertFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_API_TLS_CERT_FILE',
    default: undefined,
    description: 'PEM certificate (chain) to serve the config API over HTTPS; kubectl sends bearer tokens only over HTTPS',
  }),
  apiTlsKeyFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_API_TLS_KEY_FILE',
    default: undefined,
    description: 'PEM private key of MESH_GALLEY_API_TLS_CERT_FILE',
  }),
  domainSuffix: setting({
    type: 'string',
    env: 'MESH_GALLEY_DOMAIN_SUFFIX',
    default: 'cluster.local',
    description: 'DNS suffix of service hosts (<name>.<namespace>.svc.<suffix>), for resolving short hosts in analysis',
  }),
  admissionWarnings: setting({
    type: 'bool',
    env: 'MESH_GALLEY_ADMISSION_WARNINGS',
    default: true,
    description: 'analyse each write against the stored config and the mesh registry, and answer findings as Warning headers',
  }),
  // Config sources and admission webhooks (src/sources, src/webhooks).
  kubeWatch: setting({
    type: 'bool',
    env: 'MESH_GALLEY_KUBE_WATCH',
    default: false,
    description: 'mirror the Istio CRDs of a Kubernetes cluster into the store (list + watch; the cluster owns those objects)',
  }),
  kubeconfig: setting({
    type: 'string',
    env: 'MESH_GALLEY_KUBECONFIG',
    default: undefined,
    description: 'kubeconfig for the CRD watch; unset: KUBECONFIG, ~/.kube/config, then the pod service account',
  }),
  configDir: setting({
    type: 'string',
    env: 'MESH_GALLEY_CONFIG_DIR',
    default: undefined,
    description: 'directory of *.yaml/*.yml/*.json config files to apply and follow (each file applied whole or not at all)',
  }),
  configDirRescanMs: setting({
    type: 'duration-ms',
    env: 'MESH_GALLEY_CONFIG_DIR_RESCAN_MS',
    default: 30000,
    description: 'interval of the full rescan of the config directory that backs up file-system events (ms)',
  }),
  webhookEnabled: setting({
    type: 'bool',
    env: 'MESH_GALLEY_WEBHOOK_ENABLED',
    default: false,
    description: 'serve the validating admission webhooks /admitpilot and /admitmixer (HTTPS)',
  }),
  webhookPort: setting({
    type: 'port',
    env: 'MESH_GALLEY_WEBHOOK_PORT',
    default: 8443,
    description: 'port of the admission webhooks (0 picks a free port and logs it)',
  }),
  webhookHost: setting({ type: 'string', env: 'MESH_GALLEY_WEBHOOK_HOST', default: '0.0.0.0', description: 'address the admission webhooks bind' }),
  webhookCertFile: setting({
    type: 'string',
    env: 'MESH_GALLEY_WEBHOOK_CERT_FILE',
    default: undefined,
    description: 'PEM certificate of the webhook server (re-read when it changes); unset with the key: self-signed at start, for local use',
  }),
  webhookKeyFile: setting({ type: 'string', env: 'MESH_GALLEY_WEBHOOK_KEY_FILE', default: undefined, description: 'PEM private key of the webhook server certificate' }),
  // Sidecar injection (/inject on the webhook server; src/webhooks/inject-settings.ts). Defaults: @mesh/injector's, as meshctl kube-inject.
  injectSidecarImage: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_SIDECAR_IMAGE', default: DEFAULT_INJECTION_SETTINGS.sidecarImage, description: 'image of the injected sidecar container' }),
  injectInitImage: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_INIT_IMAGE', default: DEFAULT_INJECTION_SETTINGS.initImage, description: 'image of the injected init container that installs the iptables redirect' }),
  injectPilotAddress: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_PILOT_ADDRESS', default: DEFAULT_INJECTION_SETTINGS.pilotAddress, description: "Pilot's xDS address (host:port) given to injected sidecars" }),
  injectCitadelAddress: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_CITADEL_ADDRESS', default: DEFAULT_INJECTION_SETTINGS.citadelAddress, description: "Citadel's address given to injected sidecars; none: no certificates, no identity volumes" }),
  injectMixerAddress: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_MIXER_ADDRESS', default: DEFAULT_INJECTION_SETTINGS.mixerAddress, description: "Mixer's address given to injected sidecars; none: no telemetry reports" }),
  injectTrustDomain: setting({ type: 'string', env: 'MESH_GALLEY_INJECT_TRUST_DOMAIN', default: DEFAULT_INJECTION_SETTINGS.trustDomain, description: 'trust domain of the identities injected sidecars ask for' }),
  injectProxyUid: setting({ type: 'int', env: 'MESH_GALLEY_INJECT_PROXY_UID', default: DEFAULT_INJECTION_SETTINGS.proxyUid, description: "UID the injected proxy runs as; the redirect lets this UID's traffic out untouched" }),
  injectHoldApplication: setting({
    type: 'bool',
    env: 'MESH_GALLEY_INJECT_HOLD_APPLICATION',
    default: DEFAULT_INJECTION_SETTINGS.holdApplicationUntilProxyStarts,
    description: "start the app's containers only once the injected proxy is ready (proxy first, postStart wait)",
  }),
};

/** Galley's parsed, frozen settings. */
export type GalleySettings = Settings<typeof galleySpecs>;
