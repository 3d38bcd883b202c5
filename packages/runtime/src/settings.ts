/**
 * Settings: every process setting is declared once with its environment variable, flag, default
 * and meaning. Precedence: flag > environment > default. The result is validated and frozen;
 * `process.env` is read only where a process builds its settings (its config.ts).
 */
export type SettingType = 'string' | 'int' | 'port' | 'bool' | 'duration-ms' | 'url' | 'list';

export interface SettingSpec<T extends SettingType = SettingType> {
  readonly type: T;
  readonly env: string;
  readonly default: SettingValue<T> | undefined;
  readonly description: string;
  /** Allowed values for a string setting. */
  readonly oneOf?: readonly string[];
  /** The setting must be given (no default). */
  readonly required?: boolean;
}

type SettingValue<T extends SettingType> = T extends 'int' | 'port' | 'duration-ms'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'list'
      ? string[]
      : string;

/** The parsed settings object for a spec table. */
export type Settings<S extends Record<string, SettingSpec>> = {
  readonly [K in keyof S]: S[K] extends SettingSpec<infer T> ? (S[K]['required'] extends true ? SettingValue<T> : S[K]['default'] extends undefined ? SettingValue<T> | undefined : SettingValue<T>) : never;
};

/** Declares one setting (helper for literal typing). */
export function setting<T extends SettingType>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** A problem with a given setting: names the flag and the environment variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** `adminPort` → `--admin-port`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function parseValue(key: string, spec: SettingSpec, raw: string, source: string): unknown {
  const where = `${source} (${flagName(key)} / ${spec.env})`;
  switch (spec.type) {
    case 'int':
    case 'duration-ms': {
      if (!/^-?\d+$/.test(raw)) throw new SettingsError(`${where}: "${raw}" is not a whole number`);
      return Number(raw);
    }
    case 'port': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) throw new SettingsError(`${where}: "${raw}" is not a port (0-65535; 0 picks a free port)`);
      return n;
    }
    case 'bool': {
      if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) return true;
      if (['false', '0', 'no', 'off', ''].includes(raw.toLowerCase())) return false;
      throw new SettingsError(`${where}: "${raw}" is not true or false`);
    }
    case 'url': {
      try {
        new URL(raw);
      } catch {
        throw new SettingsError(`${where}: "${raw}" is not a URL`);
      }
      return raw;
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      if (spec.oneOf && !spec.oneOf.includes(raw)) throw new SettingsError(`${where}: "${raw}" is not one of ${spec.oneOf.join(', ')}`);
      return raw;
  }
}

/** The result of reading argv: settings, or a request for help. */
export type ParsedArgs<S extends Record<string, SettingSpec>> = { help: true } | { help: false; settings: Settings<S>; positionals: string[] };

/**
 * Reads settings from argv (`--flag value` or `--flag=value`; a bare boolean flag means true) and
 * the environment. Unknown flags and invalid values throw {@link SettingsError}.
 */
export function parseSettings<S extends Record<string, SettingSpec>>(specs: S, argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs<S> {
  const byFlag = new Map(Object.keys(specs).map((k) => [flagName(k), k]));
  const fromFlags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (!key) throw new SettingsError(`unknown flag ${flag}; --help lists every setting`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (specs[key]!.type === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new SettingsError(`${flag} needs a value`);
      value = next;
      i++;
    }
    fromFlags.set(key, value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const flagValue = fromFlags.get(key);
    const envValue = env[spec.env];
    if (flagValue !== undefined) out[key] = parseValue(key, spec, flagValue, 'flag');
    else if (envValue !== undefined && envValue !== '') out[key] = parseValue(key, spec, envValue, 'environment');
    else if (spec.required) throw new SettingsError(`${flagName(key)} / ${spec.env} is required: ${spec.description}`);
    else out[key] = spec.default;
  }
  return { help: false, settings: Object.freeze(out) as Settings<S>, positionals };
}

/** The `--help` text: usage, then every setting with its flag, variable, default and meaning. */
export function helpText(bin: string, summary: string, specs: Record<string, SettingSpec>): string {
  const lines = [`${bin}: ${summary}`, '', `Usage: ${bin} [flags]`, '', 'Settings (flag > environment > default):'];
  for (const [key, spec] of Object.entries(specs)) {
    const def = spec.required ? 'required' : spec.default === undefined ? 'unset' : Array.isArray(spec.default) ? spec.default.join(',') || '(empty)' : String(spec.default);
    lines.push(`  ${flagName(key)} <${spec.type}>`, `      env ${spec.env}, default ${def}`, `      ${spec.description}${spec.oneOf ? ` (one of ${spec.oneOf.join(', ')})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
