import { parseSettings } from '@mesh/runtime';
import { MIXER_SETTINGS, mixerSettingsProblems } from './config.js';
import type { MixerSettings } from './config.js';

function parse(env: Record<string, string>): MixerSettings {
  const parsed = parseSettings(MIXER_SETTINGS, [], env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.settings;
}

describe('MIXER_SETTINGS', () => {
  it("defaults to Istio 1.4's ports and Check validity", () => {
    const s = parse({});
    expect(s).toMatchObject({ grpcPort: 9091, adminPort: 15014, grpcHost: '0.0.0.0', checkValidDurationMs: 60000, checkValidUseCount: 10000 });
    expect(mixerSettingsProblems(s)).toEqual([]);
  });

  it('reads MESH_MIXER_* overrides, port 0 included', () => {
    expect(parse({ MESH_MIXER_GRPC_PORT: '0', MESH_MIXER_GRPC_HOST: '127.0.0.1' })).toMatchObject({ grpcPort: 0, grpcHost: '127.0.0.1' });
  });

  it.each([
    [{ MESH_MIXER_CHECK_VALID_USE_COUNT: '0' }, /VALID_USE_COUNT/],
    [{ MESH_MIXER_CHECK_VALID_USE_COUNT: '3000000000' }, /int32/],
    [{ MESH_MIXER_CHECK_VALID_DURATION_MS: '0' }, /VALID_DURATION_MS/],
    [{ MESH_MIXER_LEDGER_MAX_SERVICES: '-1' }, /LEDGER_MAX_SERVICES/],
  ])('reports %p as a problem', (env, problem) => {
    expect(mixerSettingsProblems(parse(env))).toEqual([expect.stringMatching(problem)]);
  });
});
