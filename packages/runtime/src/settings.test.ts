import { flagName, helpText, parseSettings, setting, SettingsError } from './settings.js';

const specs = {
  adminPort: setting({ type: 'port', env: 'MESH_ADMIN_PORT', default: 15014, description: 'admin port' }),
  natsUrl: setting({ type: 'url', env: 'MESH_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS' }),
  anonymous: setting({ type: 'bool', env: 'MESH_ANON', default: false, description: 'anonymous' }),
  level: setting({ type: 'string', env: 'MESH_LEVEL', default: 'info', oneOf: ['info', 'debug'], description: 'level' }),
};

describe('parseSettings', () => {
  it('uses defaults when nothing is given', () => {
    const r = parseSettings(specs, [], {});
    expect(r).toEqual({ help: false, positionals: [], settings: { adminPort: 15014, natsUrl: 'nats://127.0.0.1:4222', anonymous: false, level: 'info' } });
  });

  it('prefers a flag over the environment over the default', () => {
    const r = parseSettings(specs, ['--admin-port', '9000'], { MESH_ADMIN_PORT: '8000', MESH_LEVEL: 'debug' });
    expect(r.help === false && r.settings.adminPort).toBe(9000);
    expect(r.help === false && r.settings.level).toBe('debug');
  });

  it('accepts --flag=value and bare boolean flags', () => {
    const r = parseSettings(specs, ['--admin-port=0', '--anonymous'], {});
    expect(r.help === false && [r.settings.adminPort, r.settings.anonymous]).toEqual([0, true]);
  });

  it.each([
    [['--admin-port', '70000'], /--admin-port \/ MESH_ADMIN_PORT.*not a port/],
    [['--nats-url', 'not a url'], /not a URL/],
    [['--level', 'loud'], /not one of info, debug/],
    [['--bogus', '1'], /unknown flag --bogus/],
    [['--admin-port'], /needs a value/],
  ])('rejects %j with a message naming the setting', (argv, msg) => {
    expect(() => parseSettings(specs, argv, {})).toThrow(SettingsError);
    expect(() => parseSettings(specs, argv, {})).toThrow(msg);
  });

  it('rejects a bad environment value and says it came from the environment', () => {
    expect(() => parseSettings(specs, [], { MESH_ANON: 'maybe' })).toThrow(/environment \(--anonymous \/ MESH_ANON\): "maybe" is not true or false/);
  });

  it('returns help for --help', () => {
    expect(parseSettings(specs, ['--help'], {})).toEqual({ help: true });
  });
});

describe('helpText', () => {
  it('lists every setting with flag, variable, default and meaning', () => {
    const text = helpText('mesh-x', 'does x', specs);
    for (const [key, spec] of Object.entries(specs)) {
      expect(text).toContain(flagName(key));
      expect(text).toContain(`env ${spec.env}, default ${String(spec.default)}`);
      expect(text).toContain(spec.description);
    }
  });
});
