import { commonSettings, natsSettings, setting } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';

/**
 * Every Mixer setting, registered once (flag > environment > default; `--help` lists them).
 *
 * NATS: Mixer loads and follows the config.istio.io objects (handlers, instances, rules) from
 * Galley's KV bucket; `MESH_MIXER_CONFIG_SOURCE=none` runs it without config (allow-all Check).
 */
export const MIXER_SETTINGS = {
  ...commonSettings(15014),
  grpcPort: setting({
    type: 'port',
    env: 'MESH_MIXER_GRPC_PORT',
    default: 9091,
    description: 'gRPC port serving istio.mixer.v1.Mixer (Check, Report); 0 picks a free port and logs it',
  }),
  grpcHost: setting({ type: 'string', env: 'MESH_MIXER_GRPC_HOST', default: '0.0.0.0', description: 'address the gRPC server binds' }),
  checkValidDurationMs: setting({
    type: 'duration-ms',
    env: 'MESH_MIXER_CHECK_VALID_DURATION_MS',
    default: 60000,
    description: 'how long a sidecar may cache a Check result (ms), sent as valid_duration',
  }),
  checkValidUseCount: setting({
    type: 'int',
    env: 'MESH_MIXER_CHECK_VALID_USE_COUNT',
    default: 10000,
    description: 'how many requests a cached Check result may serve, sent as valid_use_count',
  }),
  ledgerMaxServices: setting({
    type: 'int',
    env: 'MESH_MIXER_LEDGER_MAX_SERVICES',
    default: 1000,
    description: 'distinct destination services the report ledger tracks; later ones are counted under "(other)"',
  }),
  configSource: setting({
    type: 'string',
    env: 'MESH_MIXER_CONFIG_SOURCE',
    default: 'nats',
    oneOf: ['nats', 'none'],
    description: "nats: load and follow handlers, instances and rules from Galley's KV bucket; none: no config (every Check allowed)",
  }),
  configDefaultNamespace: setting({
    type: 'string',
    env: 'MESH_MIXER_CONFIG_DEFAULT_NAMESPACE',
    default: 'istio-system',
    description: 'rules in this namespace apply to all traffic; rules elsewhere only to traffic to their namespace (Istio 1.4)',
  }),
  adapterPath: setting({
    type: 'string',
    env: 'MESH_MIXER_ADAPTER_PATH',
    default: '',
    description: "directories searched for adapter packages named by handlers' spec.adapter, separated like PATH (like NODE_PATH); then Mixer's node_modules",
  }),
  adapterMetricsPort: setting({
    type: 'port',
    env: 'MESH_MIXER_ADAPTER_METRICS_PORT',
    default: undefined,
    description:
      "port serving the adapters' metrics (prometheus adapter: istio_requests_total ...) at /metrics; unset: 42422, or, when another process holds 42422, only the admin port's /adapters/metrics (a warning says so); 0 picks a free port",
  }),
  redisKeyPrefix: setting({
    type: 'string',
    env: 'MESH_MIXER_REDIS_KEY_PREFIX',
    default: 'mixer:',
    description: 'prefix of every Redis key the redisquota adapter writes',
  }),
  ...natsSettings(),
};

/** Mixer's parsed, frozen settings. */
export type MixerSettings = Settings<typeof MIXER_SETTINGS>;

/** Checks what the types alone cannot; returns the problems (empty when the settings are usable). */
export function mixerSettingsProblems(settings: MixerSettings): string[] {
  const problems: string[] = [];
  if (settings.checkValidDurationMs <= 0) problems.push('MESH_MIXER_CHECK_VALID_DURATION_MS must be positive');
  if (settings.checkValidUseCount <= 0 || settings.checkValidUseCount > 2 ** 31 - 1) {
    problems.push('MESH_MIXER_CHECK_VALID_USE_COUNT must be between 1 and 2147483647 (an int32 on the wire)');
  }
  if (settings.ledgerMaxServices <= 0) problems.push('MESH_MIXER_LEDGER_MAX_SERVICES must be positive');
  return problems;
}
