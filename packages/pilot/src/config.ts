import { commonSettings, natsSettings, setting, SettingsError } from '@mesh/runtime';
import type { Settings } from '@mesh/runtime';

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
  domainSuffix: setting({ type: 'string', env: 'MESH_PILOT_DOMAIN_SUFFIX', default: 'cluster.local', description: 'DNS suffix of service hosts (<name>.<namespace>.svc.<suffix>)' }),
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
  return s;
}
