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
  if (s.defaultTtlS > s.maxTtlS) throw new SettingsError(`MESH_CITADEL_DEFAULT_TTL_S (${s.defaultTtlS}) exceeds MESH_CITADEL_MAX_TTL_S (${s.maxTtlS})`);
  if (s.bootstrapTokenDefaultTtlS > s.bootstrapTokenMaxTtlS) {
    throw new SettingsError(`MESH_CITADEL_BOOTSTRAP_TOKEN_DEFAULT_TTL_S (${s.bootstrapTokenDefaultTtlS}) exceeds MESH_CITADEL_BOOTSTRAP_TOKEN_MAX_TTL_S (${s.bootstrapTokenMaxTtlS})`);
  }
}
