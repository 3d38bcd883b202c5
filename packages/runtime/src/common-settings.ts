import { LOG_LEVELS } from './logger.js';
import { setting } from './settings.js';

/** Settings every process has: logging and the admin (monitoring) server. */
export function commonSettings(defaultAdminPort: number, defaultAdminHost = '0.0.0.0') {
  return {
    logLevel: setting({ type: 'string', env: 'MESH_LOG_LEVEL', default: 'info', oneOf: LOG_LEVELS, description: 'log level' }),
    adminPort: setting({ type: 'port', env: 'MESH_ADMIN_PORT', default: defaultAdminPort, description: 'monitoring port: /healthz/live, /healthz/ready, /metrics, /debug' }),
    adminHost: setting({ type: 'string', env: 'MESH_ADMIN_HOST', default: defaultAdminHost, description: 'address the monitoring server binds' }),
    drainMs: setting({ type: 'duration-ms', env: 'MESH_DRAIN_MS', default: 5000, description: 'on SIGTERM, how long to wait for in-flight work before closing (ms)' }),
  };
}

/** Settings of processes that use NATS. */
export function natsSettings() {
  return {
    natsUrl: setting({ type: 'url', env: 'MESH_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS server URL' }),
    natsConnectTimeoutMs: setting({
      type: 'duration-ms',
      env: 'MESH_NATS_CONNECT_TIMEOUT_MS',
      default: 10000,
      description: 'how long to keep trying NATS at start-up before exiting (ms)',
    }),
  };
}
