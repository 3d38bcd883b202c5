import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import type { SettingSpec, Settings } from './settings.js';
import { helpText, parseSettings, SettingsError } from './settings.js';

/** Something with an idempotent stop: what a process's composition root returns. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface MainOptions<S extends Record<string, SettingSpec>> {
  bin: string;
  summary: string;
  specs: S;
  /** Builds and starts the process's components; returns what SIGTERM stops. */
  start(settings: Settings<S>, logger: Logger): Promise<Stoppable>;
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The process lifecycle shared by every bin: `--help`; settings errors (from parsing, or a
 * SettingsError thrown by `start` for settings that contradict each other) → one line on stderr,
 * exit 2; start-up failure → one line, exit 1; SIGTERM/SIGINT → stop (drain, close) → exit 0.
 */
export async function runMain<S extends Record<string, SettingSpec>>(opts: MainOptions<S>): Promise<void> {
  let parsed;
  try {
    parsed = parseSettings(opts.specs, opts.argv ?? process.argv.slice(2), opts.env ?? process.env);
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${opts.bin}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(helpText(opts.bin, opts.summary, opts.specs));
    process.exit(0);
  }
  const level = (parsed.settings as { logLevel?: string }).logLevel ?? 'info';
  const logger = createLogger(opts.bin, level);
  let running: Stoppable;
  try {
    running = await opts.start(parsed.settings, logger);
  } catch (err) {
    if (err instanceof SettingsError) {
      // Settings that parse but contradict each other: the same exit as an unparseable one.
      process.stderr.write(`${opts.bin}: ${err.message}\n`);
      process.exit(2);
    }
    const reason = err instanceof Error ? err.message : String(err);
    logger.fatal({ err }, `start-up failed: ${reason}`);
    logger.flush();
    process.stderr.write(`${opts.bin}: start-up failed: ${reason}\n`);
    setTimeout(() => process.exit(1), 50);
    return;
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        setTimeout(() => process.exit(0), 20);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        logger.flush();
        setTimeout(() => process.exit(1), 20);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
