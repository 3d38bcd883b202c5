import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Log levels a process accepts in `MESH_LOG_LEVEL`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * The process's one logger: JSON lines on stdout. Components take `logger.child({ component })`.
 * Secrets are redacted wherever they are logged by mistake.
 */
export function createLogger(processName: string, level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: processName,
      level,
      base: { pid: process.pid, proc: processName },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization'], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
