/** Test helpers other packages' tests use: a real nats-server per suite, free ports, a silent logger. */
export { freePort, isPortOpen, NatsServerProcess } from '../nats-server.js';
export { silentLogger } from './silent-logger.js';
