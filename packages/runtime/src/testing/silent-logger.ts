import pino from 'pino';
import type { Logger } from '../logger.js';

/** A logger that writes nothing unless MESH_TEST_LOG is set (then JSON lines on stderr). */
export function silentLogger(): Logger {
  return process.env['MESH_TEST_LOG'] ? pino({ level: 'debug' }, pino.destination(2)) : pino({ level: 'silent' });
}
