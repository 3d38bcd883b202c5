import { commonSettings, natsSettings, setting, SettingsError } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';
import { isValidTrustDomain } from '@mesh/shared-api';

/** Citadel's default monitoring port (Istio 1.4's). */
export const CITADEL_ADMIN_PORT = 15014;

/** Every Citadel setting, declared once (flag > environment > default; `--help` lists them). */
export function citadelSettings() {
  return {
    ...commonSettings(CITADEL_ADMIN_PORT),
    ...natsSettings(),
    grpcPort: setting({ type: 'port', env: 'MESH_CITADEL_GRPC_PORT', default: 8060, description: 'gRPC (TLS) port of IstioCertificateService; 0 picks a free port' }),
    grpcHost: setting({ type: 'string', env: 'MESH_CITADEL_GRPC_HOST', default: '0.0.0.0', description: 'address the gRPC server binds' }),
    stateDir: setting({ type: 'string', env: 'MESH_CITADEL_STATE_DIR', default: './.mesh/citadel', description: 'directory holding ca-key.pem (0600), root-cert.pem and bootstrap-token-key (0600); created on first start' }),
    trustDomain: setting({ type: 'string', env: 'MESH_CITADEL_TRUST_DOMAIN', default: 'cluster.local', description: 'trust domain of issued SPIFFE identities (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)' }),
    defaultTtlS: setting({ type: 'int', env: 'MESH_CITADEL_DEFAULT_TTL_S', default: 86400, description: 'workload certificate lifetime when the request names none (seconds)' }),
    maxTtlS: setting({ type: 'int', env: 'MESH_CITADEL_MAX_TTL_S', default: 90 * 86400, description: 'longest workload certificate lifetime; longer requests are capped (seconds)' }),
    hostnames: setting({ type: 'list', env: 'MESH_CITADEL_HOSTNAMES', default: [], description: 'extra DNS names / IPs in the gRPC server certificate (localhost and 127.0.0.1 are always in it)' }),
    adminTokenFile: setting({
      type: 'string',
      env: 'MESH_CITADEL_ADMIN_TOKEN_FILE',
      default: undefined,
      description: 'file holding the admin token (>= 16 chars) that POST /v1/bootstrap-tokens requires; unset disables the endpoint',
    }),
    bootstrapTokenDefaultTtlS: setting({
      type: 'int',
      env: 'MESH_CITADEL_BOOTSTRAP_TOKEN_DEFAULT_TTL_S',
      default: 30 * 86400,
      description: 'bootstrap token lifetime when the request names none (seconds); the agent reuses its token for every rotation',
    }),
    bootstrapTokenMaxTtlS: setting({ type: 'int', env: 'MESH_CITADEL_BOOTSTRAP_TOKEN_MAX_TTL_S', default: 365 * 86400, description: 'longest bootstrap token lifetime (seconds)' }),
    caCertsDir: setting({
      type: 'string',
      env: 'MESH_CITADEL_CACERTS_DIR',
      default: undefined,
      description: "plugged-in CA: a directory in Istio's cacerts layout (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), e.g. /etc/cacerts; unset: a self-signed root",
    }),
    rootStore: setting({
      type: 'string',
      env: 'MESH_CITADEL_ROOT_STORE',
      default: 'file',
      oneOf: ['file', 'kubernetes'],
      description: 'where the self-signed root is kept: file (ca-key.pem 0600 in the state directory) or kubernetes (a Secret; needs MESH_CITADEL_KUBECONFIG)',
    }),
    kubeconfig: setting({
      type: 'string',
      env: 'MESH_CITADEL_KUBECONFIG',
      default: undefined,
      description: "the Kubernetes API for TokenReview and the CA Secret: in-cluster (the pod's service account) or a kubeconfig file; unset: no Kubernetes",
    }),
    caSecretNamespace: setting({
      type: 'string',
      env: 'MESH_CITADEL_CA_SECRET_NAMESPACE',
      default: undefined,
      description: "namespace of the CA Secret (MESH_CITADEL_ROOT_STORE=kubernetes); default: Citadel's own (the kubeconfig context's), else istio-system",
    }),
    caSecretName: setting({ type: 'string', env: 'MESH_CITADEL_CA_SECRET_NAME', default: 'istio-ca-secret', description: 'name of the CA Secret (MESH_CITADEL_ROOT_STORE=kubernetes)' }),
    tokenReview: setting({
      type: 'bool',
      env: 'MESH_CITADEL_TOKEN_REVIEW',
      default: true,
      description: 'with MESH_CITADEL_KUBECONFIG: accept Kubernetes service-account tokens, checked with TokenReview (bootstrap tokens are always accepted)',
    }),
    tokenAudiences: setting({
      type: 'list',
      env: 'MESH_CITADEL_TOKEN_AUDIENCES',
      default: ['istio-ca'],
      description: "audiences a service-account token must be for (TokenReview spec.audiences); empty: the API server's own (legacy tokens)",
    }),
    kubeTimeoutMs: setting({ type: 'duration-ms', env: 'MESH_CITADEL_KUBE_TIMEOUT_MS', default: 5000, description: 'deadline of each Kubernetes API call (TokenReview, Secret) (ms)' }),
    natsEnabled: setting({
      type: 'bool',
      env: 'MESH_CITADEL_NATS_ENABLED',
      default: true,
      description: 'publish the trust bundle on NATS; when NATS is unreachable Citadel keeps serving and retries in the background',
    }),
  };
}

/** Citadel's parsed settings. */
export type CitadelSettings = Settings<ReturnType<typeof citadelSettings>>;

/** Checks what single settings cannot: consistent lifetimes, a valid trust domain. */
export function validateCitadelSettings(s: CitadelSettings): void {
  if (!isValidTrustDomain(s.trustDomain)) throw new SettingsError(`--trust-domain / MESH_CITADEL_TRUST_DOMAIN: "${s.trustDomain}" is not a valid trust domain (lower-case DNS-like name)`);
  for (const [flag, env, v] of [
    ['--default-ttl-s', 'MESH_CITADEL_DEFAULT_TTL_S', s.defaultTtlS],
    ['--max-ttl-s', 'MESH_CITADEL_MAX_TTL_S', s.maxTtlS],
    ['--bootstrap-token-default-ttl-s', 'MESH_CITADEL_BOOTSTRAP_TOKEN_DEFAULT_TTL_S', s.bootstrapTokenDefaultTtlS],
    ['--bootstrap-token-max-ttl-s', 'MESH_CITADEL_BOOTSTRAP_TOKEN_MAX_TTL_S', s.bootstrapTokenMaxTtlS],
  ] as const) {
    if (v <= 0) throw new SettingsError(`${flag} / ${env}: must be positive (got ${v})`);
  }
  if (s.rootStore === 'kubernetes' && s.kubeconfig === undefined && s.caCertsDir === undefined) {
    throw new SettingsError('MESH_CITADEL_ROOT_STORE=kubernetes needs MESH_CITADEL_KUBECONFIG (in-cluster, or a kubeconfig file)');
  }
  if (s.kubeTimeoutMs <= 0) throw new SettingsError(`--kube-timeout-ms / MESH_CITADEL_KUBE_TIMEOUT_MS: must be positive (got ${s.kubeTimeoutMs})`);
  if (s.defaultTtlS > s.maxTtlS) throw new SettingsError(`MESH_CITADEL_DEFAULT_TTL_S (${s.defaultTtlS}) exceeds MESH_CITADEL_MAX_TTL_S (${s.maxTtlS})`);
  if (s.bootstrapTokenDefaultTtlS > s.bootstrapTokenMaxTtlS) {
    throw new SettingsError(`MESH_CITADEL_BOOTSTRAP_TOKEN_DEFAULT_TTL_S (${s.bootstrapTokenDefaultTtlS}) exceeds MESH_CITADEL_BOOTSTRAP_TOKEN_MAX_TTL_S (${s.bootstrapTokenMaxTtlS})`);
  }
}
