/** Test helpers: an in-process Mixer on free loopback ports, for other packages' tests and e2e. */
import { parseSettings } from '@mesh/runtime';
import type { Logger } from '@mesh/runtime';
import { silentLogger } from '@mesh/runtime/testing';
import { MIXER_SETTINGS } from '../config.js';
import type { MixerSettings } from '../config.js';
import { startMixer } from '../start-mixer.js';
import type { RunningMixer, StartMixerOptions } from '../start-mixer.js';

/** Mixer's settings for tests: loopback, free ports, short drain; `env` overrides (MESH_* names). */
export function testMixerSettings(env: Record<string, string> = {}): MixerSettings {
  const parsed = parseSettings(
    MIXER_SETTINGS,
    [],
    { MESH_MIXER_GRPC_HOST: '127.0.0.1', MESH_MIXER_GRPC_PORT: '0', MESH_ADMIN_HOST: '127.0.0.1', MESH_ADMIN_PORT: '0', MESH_DRAIN_MS: '500', MESH_MIXER_ADAPTER_METRICS_PORT: '0', MESH_MIXER_CONFIG_SOURCE: 'none', ...env },
  );
  if (parsed.help) throw new Error('unreachable: no --help given');
  return parsed.settings;
}

/**
 * Starts a Mixer for a test; stop it in afterAll. Without config by default; pass
 * `{ MESH_MIXER_CONFIG_SOURCE: 'nats', MESH_NATS_URL: ... }` to follow a Galley bucket.
 */
export function startTestMixer(env: Record<string, string> = {}, logger: Logger = silentLogger(), options: StartMixerOptions = {}): Promise<RunningMixer> {
  return startMixer(testMixerSettings(env), logger, options);
}
